//! `GET /modules/{module}`: aim, outcomes, lessons with status, weekly dates, quiz status.
use actix_web::HttpResponse;

use crate::error::AppError;
use crate::services::journey::{self, Visit};
use crate::web::extract::ModuleRef;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::views::learner::ModulePage;

/// `GET /modules/{module}` (a locked module is refused by `ModuleRef`, saying when it opens).
pub async fn show_module(
    page: Page,
    user: CurrentUser,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let state = &page.state;
    let visit = Visit {
        user: &user.user,
        session_token: &user.session_token,
        now: state.clock.now(),
    };
    let parts = journey::module_page(&state.writer, &state.course, module, &visit).await?;
    let vm = ModulePage::build(&state.course, module, &parts);
    page.ok("learner/module", &vm.title(), "dashboard", &vm)
}
