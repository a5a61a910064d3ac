use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An optional employee or assignment number per member (the organisation's own staff number, as
/// ESR knows it), for the completion export a Trust's ESR team loads.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("org_members"))
                    .add_column(
                        ColumnDef::new(Alias::new("employee_number"))
                            .string_len(40)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("org_members"))
                    .drop_column(Alias::new("employee_number"))
                    .to_owned(),
            )
            .await
    }
}
