use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The ID token claim whose value is the e-mail address of the person's line manager, if the
/// organisation's provider sends one.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::add_column(
            manager,
            Alias::new("sso_providers"),
            ColumnDef::new(Alias::new("manager_claim"))
                .string()
                .null()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::drop_column(
            manager,
            Alias::new("sso_providers"),
            Alias::new("manager_claim"),
        )
        .await
    }
}
