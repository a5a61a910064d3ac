use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The organisation's members in id order: the progress report's CSV and the records API read them
/// in batches (`org_id = ? AND id > ? ORDER BY id LIMIT n`). With only (org_id, user_id) to go by,
/// SQLite read and sorted every member for each batch, so a 100,000-member export was quadratic
/// (13 s); with this index each batch is a range read in order.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_org_members_org_id")
                    .table(Alias::new("org_members"))
                    .col(Alias::new("org_id"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_org_members_org_id")
                    .table(Alias::new("org_members"))
                    .to_owned(),
            )
            .await
    }
}
