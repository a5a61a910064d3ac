use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Covering indexes for the organisation report's aggregates: the per-module totals and the
/// confidence gain read only these columns, so the database never visits the table rows.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_module_progress_report")
                    .table(Alias::new("module_progress"))
                    .col(Alias::new("user_id"))
                    .col(Alias::new("module_slug"))
                    .col(Alias::new("completed_at"))
                    .col(Alias::new("progress_percent"))
                    .col(Alias::new("attempts"))
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_confidence_ratings_report")
                    .table(Alias::new("confidence_ratings"))
                    .col(Alias::new("user_id"))
                    .col(Alias::new("phase"))
                    .col(Alias::new("statement_id"))
                    .col(Alias::new("rating"))
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_module_progress_report",
            "idx_confidence_ratings_report",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        Ok(())
    }
}
