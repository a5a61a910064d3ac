use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A review's rubric: one line per five-case part and one overall, each with a rating and a
/// comment, as JSON (NULL on reviews made before, which have only the five ratings).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PlanSubmissions::Table)
                    .add_column(text_null(PlanSubmissions::Rubric))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PlanSubmissions::Table)
                    .drop_column(PlanSubmissions::Rubric)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PlanSubmissions {
    Table,
    Rubric,
}
