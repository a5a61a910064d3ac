//! Shapes that migrations repeat, for files written from 2 December 2026 on (earlier files stay as
//! they were applied).
use sea_orm_migration::prelude::*;

/// Adds one column to a table.
///
/// # Errors
/// When the database refuses the change.
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

/// Drops one column from a table (the `down` of [`add_column`]).
///
/// # Errors
/// When the database refuses the change.
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}
