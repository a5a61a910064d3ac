//! Server secrets kept in the database, so every instance behind a load balancer shares them.
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::clock::Clock;
use crate::entities::app_secrets;

/// Returns the 32-byte secret called `name`, creating it at random on first use.
///
/// # Errors
/// When the database fails.
pub async fn get_or_create(
    db: &impl ConnectionTrait,
    name: &str,
    clock: &Clock,
) -> anyhow::Result<Vec<u8>> {
    if let Some(row) = app_secrets::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
    {
        return STANDARD
            .decode(row.value)
            .context("stored secret is not base64");
    }
    let bytes = crate::crypto::random::<32>()?;
    let insert = app_secrets::Entity::insert(app_secrets::ActiveModel {
        name: Set(name.to_string()),
        value: Set(STANDARD.encode(bytes)),
        created_at: Set(clock.now()),
    })
    .on_conflict_do_nothing_on([app_secrets::Column::Name])
    .exec_without_returning(db)
    .await;
    insert.context("cannot store a new secret")?;
    // Another instance may have won the race: read back whatever is stored.
    let row = app_secrets::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .context("secret vanished after insert")?;
    STANDARD
        .decode(row.value)
        .context("stored secret is not base64")
}
