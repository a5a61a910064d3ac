//! Worksheet answers (the parts of the learner's AI project plan) and the plan's sharing setting.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait, sea_query::OnConflict,
};

use crate::domain::worksheet::Answer;
use crate::entities::{plan_settings, worksheet_answers};

/// A learner's saved answers for one module, by prompt id.
///
/// # Errors
/// When the database fails.
pub async fn module_answers(
    db: &impl ConnectionTrait,
    user_id: i32,
    module_slug: &str,
) -> Result<HashMap<String, worksheet_answers::Model>, DbErr> {
    Ok(worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .filter(worksheet_answers::Column::ModuleSlug.eq(module_slug))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.prompt_id.clone(), a))
        .collect())
}

/// Every saved answer of a learner, by (module slug, prompt id).
///
/// # Errors
/// When the database fails.
pub async fn all_answers(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<HashMap<(String, String), worksheet_answers::Model>, DbErr> {
    Ok(worksheet_answers::Entity::find()
        .filter(worksheet_answers::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| ((a.module_slug.clone(), a.prompt_id.clone()), a))
        .collect())
}

/// Saves one worksheet's answers in one transaction: a blank answer clears the saved one, and an
/// unchanged answer keeps its "last saved" time. Returns how many answers changed.
///
/// # Errors
/// When the database fails (nothing is saved).
#[tracing::instrument(skip_all, fields(user_id, module = module_slug))]
pub async fn save(
    db: &DatabaseConnection,
    user_id: i32,
    module_slug: &str,
    answers: &[Answer],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let existing = module_answers(&txn, user_id, module_slug).await?;
    let mut changed = 0;
    for answer in answers {
        let stored = existing.get(&answer.prompt_id);
        match (&answer.text, stored) {
            (None, None) => {}
            (None, Some(row)) => {
                worksheet_answers::Entity::delete_by_id(row.id)
                    .exec(&txn)
                    .await?;
                changed += 1;
            }
            (Some(text), Some(row)) if row.answer == *text => {}
            (Some(text), _) => {
                worksheet_answers::Entity::insert(worksheet_answers::ActiveModel {
                    user_id: Set(user_id),
                    module_slug: Set(module_slug.to_string()),
                    prompt_id: Set(answer.prompt_id.clone()),
                    answer: Set(text.clone()),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .on_conflict(
                    OnConflict::columns([
                        worksheet_answers::Column::UserId,
                        worksheet_answers::Column::ModuleSlug,
                        worksheet_answers::Column::PromptId,
                    ])
                    .update_columns([
                        worksheet_answers::Column::Answer,
                        worksheet_answers::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
                changed += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(changed)
}

/// Whether the learner shares their plan with their organisation (off unless they turned it on).
///
/// # Errors
/// When the database fails.
pub async fn shares_plan(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    Ok(plan_settings::Entity::find()
        .filter(plan_settings::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some_and(|s| s.share_with_org))
}

/// Records the learner's choice to share their plan with their organisation, or not.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(user_id, share))]
pub async fn set_shares_plan(
    db: &impl ConnectionTrait,
    user_id: i32,
    share: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    plan_settings::Entity::insert(plan_settings::ActiveModel {
        user_id: Set(user_id),
        share_with_org: Set(share),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(plan_settings::Column::UserId)
            .update_columns([
                plan_settings::Column::ShareWithOrg,
                plan_settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
