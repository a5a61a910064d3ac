//! The learner's attempt history.
use actix_web::HttpResponse;

use crate::error::AppError;
use crate::services::quiz;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::quiz::HistoryPage;

/// `GET /attempts`: every attempt the learner has made.
pub async fn list_attempts(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let attempts = quiz::history(&page.state.db, user.id()).await?;
    let vm = HistoryPage::build(&page.state.course, attempts, page.zone().await?);
    page.ok("quiz/history", "Your quiz attempts", "dashboard", &vm)
}
