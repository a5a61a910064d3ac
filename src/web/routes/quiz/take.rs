//! The quiz form: a fresh draw on GET (nothing stored until it is submitted), scored and stored
//! on POST, or shown again with the answers given when some are missing.
use std::collections::{BTreeMap, BTreeSet};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use uuid::Uuid;

use crate::course::Module;
use crate::domain::quiz::AnswerCodec;
use crate::error::AppError;
use crate::services::quiz::{self, Availability, QuizForm, SubmitOutcome, Ticket};
use crate::web::csrf::CsrfForm;
use crate::web::extract::ModuleRef;
use crate::web::form::FormFields;
use crate::web::page::Page;
use crate::web::session::CurrentUser;
use crate::web::view::View;
use crate::web::views::quiz::{QuizPage, UnavailablePage};

/// The quiz form for `ticket`, with any answers given and problems to fix (then 422).
fn quiz_form(
    page: &Page,
    module: &Module,
    ticket: &Ticket,
    used: u32,
    given: &BTreeMap<String, BTreeSet<String>>,
    problems: &[(usize, String)],
) -> Result<HttpResponse, AppError> {
    let codec = AnswerCodec::with_mac(&page.state.quiz_key, ticket.seed);
    let vm = QuizPage::build(module, ticket, used, given, problems, &codec);
    let status = if vm.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = vm.title();
    page.render(View::new(status, "quiz/take", &title, "dashboard"), &vm)
}

/// Opens the learning-time view of this quiz page (closing the session's previous one). The quiz
/// page carries no script, so its time counts until the learner's next action.
async fn quiz_view(page: &Page, user: &CurrentUser, module: &Module) -> Result<(), AppError> {
    let state = &page.state;
    crate::services::learning_time::open_view(
        &state.writer,
        user.id(),
        &user.session_token,
        crate::services::learning_time::Viewed::Quiz {
            module: &module.slug,
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// 403: why the quiz cannot be taken now.
async fn unavailable(
    page: &Page,
    module: &Module,
    why: &Availability,
) -> Result<HttpResponse, AppError> {
    let vm = UnavailablePage::build(module, why, page.zone().await?);
    let title = vm.title();
    let view = View::new(
        StatusCode::FORBIDDEN,
        "quiz/unavailable",
        &title,
        "dashboard",
    );
    page.render(view, &vm)
}

/// `GET /modules/{module}/quiz`: a fresh draw of questions. Nothing is stored until it is submitted.
pub async fn show_quiz(
    page: Page,
    user: CurrentUser,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let state = &page.state;
    let now = state.clock.now();
    match quiz::availability(&state.db, &state.course, module, user.id(), now).await? {
        Availability::Open { used } => {
            // Answers kept after the session ended come back with their own (still valid) draw.
            let kept = crate::web::kept_form::take(state, &page.req, user.id()).await?;
            let restored = kept.and_then(|f| {
                let t = Ticket::parse(
                    f.get("attempt_id"),
                    f.get("seed"),
                    f.get("issued"),
                    f.get("signature"),
                )?;
                quiz::verify_ticket(&state.quiz_key, user.id(), &module.slug, &t, now).ok()?;
                Some((t, crate::domain::quiz::partial_answers(f.pairs())))
            });
            let (ticket, given) = match restored {
                Some(r) => r,
                None => (
                    quiz::new_ticket(&state.quiz_key, user.id(), &module.slug, now)?,
                    BTreeMap::new(),
                ),
            };
            quiz_view(&page, &user, module).await?;
            quiz_form(&page, module, &ticket, used, &given, &[])
        }
        other => unavailable(&page, module, &other).await,
    }
}

/// The attempt ticket a quiz form carries: `attempt_id`, `seed`, `issued`, `signature`.
struct TicketForm(Ticket);

impl TryFrom<&FormFields> for TicketForm {
    type Error = AppError;

    fn try_from(f: &FormFields) -> Result<Self, AppError> {
        let bad = || {
            AppError::BadRequest(
                "This quiz form is not valid. Go back to the module and start the quiz again."
                    .into(),
            )
        };
        Ok(Self(Ticket {
            attempt_id: Uuid::parse_str(f.get("attempt_id")).map_err(|_| bad())?,
            seed: f.get("seed").parse().map_err(|_| bad())?,
            issued: f.get("issued").parse().map_err(|_| bad())?,
            signature: f.get("signature").to_string(),
        }))
    }
}

/// `POST /modules/{module}/quiz`: scores the attempt on the server and stores it, then shows its review.
#[tracing::instrument(skip_all, fields(user_id = user.id()))]
pub async fn submit_quiz(
    page: Page,
    user: CurrentUser,
    form: CsrfForm,
    module: ModuleRef,
) -> Result<HttpResponse, AppError> {
    let module = module.module();
    let TicketForm(ticket) = TicketForm::try_from(&form.fields)?;
    let state = &page.state;
    let submitted = QuizForm {
        ticket: &ticket,
        fields: form.fields.pairs(),
        session_token: &user.session_token,
    };
    let now = state.clock.now();
    let outcome = quiz::submit_form(
        &state.writer,
        &state.quiz_key,
        &state.course,
        module,
        user.id(),
        submitted,
        now,
    )
    .await?;
    match outcome {
        SubmitOutcome::Stored(id) => Ok(page.see_other(&format!("/attempts/{id}"))),
        SubmitOutcome::Again {
            used,
            given,
            problems,
        } => {
            quiz_view(&page, &user, module).await?;
            quiz_form(&page, module, &ticket, used, &given, &problems)
        }
        SubmitOutcome::Unavailable(why) => unavailable(&page, module, &why).await,
    }
}
