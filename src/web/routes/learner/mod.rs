//! The learner's journey: dashboard, module pages (`module`), lessons (`lesson`).
use actix_web::HttpResponse;

use crate::error::AppError;
use crate::services::journey::{self, Visit};
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::learner::DashboardPage;

mod lesson;
mod module;

pub use lesson::{complete_lesson, show_lesson};
pub use module::show_module;

/// What the dashboard's query string may carry: `joined=SLUG` after joining through an
/// invitation, `confidence=saved` after saving the confidence ratings.
struct DashboardQuery {
    joined: Option<String>,
    confidence_saved: bool,
}

impl DashboardQuery {
    fn parse(query: &str) -> Self {
        let pairs = || form_urlencoded::parse(query.as_bytes());
        Self {
            joined: pairs()
                .find(|(k, _)| k == "joined")
                .map(|(_, v)| v.into_owned()),
            confidence_saved: pairs().any(|(k, v)| k == "confidence" && v == "saved"),
        }
    }
}

/// `GET /dashboard`
pub async fn dashboard(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let query = DashboardQuery::parse(page.req.query_string());
    let visit = Visit {
        user: &user.user,
        session_token: &user.session_token,
        now: state.clock.now(),
    };
    let parts = journey::dashboard(
        &state.writer,
        &state.course,
        &visit,
        query.joined.as_deref(),
    )
    .await?;
    let vm = DashboardPage::build(
        &state.course,
        &user.user.name,
        parts,
        query.confidence_saved,
    );
    page.ok("learner/dashboard", "Your dashboard", "dashboard", &vm)
}
