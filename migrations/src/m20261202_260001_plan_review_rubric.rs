use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A review's rubric: one line per five-case part and one overall, each with a rating and a
/// comment, as JSON (NULL on reviews made before, which have only the five ratings).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::add_column(
            manager,
            PlanSubmissions::Table,
            text_null(PlanSubmissions::Rubric),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::common::drop_column(manager, PlanSubmissions::Table, PlanSubmissions::Rubric).await
    }
}

#[derive(DeriveIden)]
enum PlanSubmissions {
    Table,
    Rubric,
}
