//! The review of one attempt: score, each question's outcome, and what the quiz settings let the
//! learner see of the right answers.
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::domain::quiz::AnswerCodec;
use crate::error::AppError;
use crate::services::quiz;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::quiz::{ReviewPage, stored_seed};

/// `GET /attempts/{id}`: the review of one attempt, for its owner only (others get 404).
pub async fn show_attempt(
    page: Page,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let public_id = Uuid::parse_str(&path)
        .map_err(|_| AppError::NotFound)?
        .to_string();
    let state = &page.state;
    let (attempt, answers) = quiz::attempt_with_answers(&state.db, &public_id, &user.user)
        .await?
        .ok_or(AppError::NotFound)?;
    let module = state
        .course
        .module(&attempt.module_slug)
        .ok_or(AppError::NotFound)?;
    let codec = AnswerCodec::with_mac(&state.quiz_key, stored_seed(&attempt));
    let vm = ReviewPage::build(module, &attempt, &answers, &codec, page.zone().await?)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    page.ok("quiz/review", &vm.title(), "dashboard", &vm)
}
