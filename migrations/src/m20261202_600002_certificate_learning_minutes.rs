use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A certificate states the learning time recorded up to its issue (NULL on older certificates).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .add_column(integer_null(Certificates::LearningMinutes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .drop_column(Certificates::LearningMinutes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    LearningMinutes,
}
