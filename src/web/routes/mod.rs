//! Every route, with the guard it declares, in one table: the router and the guard inventory are
//! both made from it, so they cannot drift apart. Deny by default: a handler that needs a user takes
//! `CurrentUser` (or a stricter guard); only the routes marked public take none.
use actix_web::http::Method;
use actix_web::{guard, web};

mod account;
mod admin;
mod api;
mod auth;
mod certificates;
mod confidence;
mod credentials;
mod glossary;
mod health;
mod learner;
mod learning_time;
mod mail;
mod mfa;
mod onboarding;
mod org;
mod password_reset;
mod public;
mod quiz;
mod scorm;
mod sso;
mod team;
mod team_plan;
mod worksheets;

use crate::web::assets;

/// Bulk imports may be larger than ordinary forms: about 20,000 staff.
pub const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    Public,
    Learner,
    OrgAdmin,
    PlatformAdmin,
    /// The JSON API: an organisation API token in `Authorization: Bearer`; cookies never count.
    ApiToken,
}

/// One row of the route table: what the router registers and the guard its handler must enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    /// The actix path pattern, exactly as registered.
    pub path: &'static str,
    pub guard: Guard,
}

/// `METHOD "pattern" => Guard, handler[, limit BYTES];` for each route. Emits `ROUTES` (the
/// inventory a test walks) and `configure` (the router), one resource per row.
macro_rules! routes {
    ($( $method:ident $path:literal => $guard:ident, $handler:path $(, limit $limit:expr)? ; )*) => {
        /// The route inventory: every route the router registers, with its guard.
        pub const ROUTES: &[Route] = &[
            $( Route { method: stringify!($method), path: $path, guard: Guard::$guard }, )*
        ];

        /// Registers every route of [`ROUTES`].
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                let resource = web::resource($path).guard(guard::Method(Method::$method));
                $( let resource = resource.app_data(web::PayloadConfig::new($limit)); )?
                cfg.service(resource.route(web::method(Method::$method).to($handler)));
            )*
        }
    };
}

routes! {
    // Probes, public pages and assets.
    GET  "/healthz" => Public, health::healthz;
    GET  "/readyz" => Public, health::readyz;
    GET  "/" => Public, public::landing;
    GET  "/static/{path:.*}" => Public, assets::serve_static;
    GET  "/privacy" => Public, public::privacy;
    GET  "/cookies" => Public, public::cookies;
    GET  "/accessibility" => Public, public::accessibility;
    GET  "/help" => Public, public::help;
    GET  "/glossary" => Public, glossary::show_glossary;
    // Registering, logging in and out.
    GET  "/register" => Public, auth::show_register;
    POST "/register" => Public, auth::register;
    GET  "/login" => Public, auth::show_login;
    POST "/login" => Public, auth::login;
    GET  "/login/code" => Public, auth::show_login_code;
    POST "/login/code" => Public, auth::login_code;
    POST "/logout" => Learner, auth::logout;
    // Signing in with an organisation's account (OpenID Connect).
    GET  "/login/sso" => Public, sso::show_sso_login;
    POST "/login/sso" => Public, sso::start_sso_login;
    GET  "/login/sso/callback" => Public, sso::sso_callback;
    GET  "/login/sso/link" => Public, sso::show_link;
    POST "/login/sso/link" => Public, sso::link_account;
    GET  "/signed-out" => Public, sso::show_signed_out;
    // Line managers' view of their reports.
    GET  "/team" => Learner, team::show_team;
    GET  "/team.csv" => Learner, team::team_csv;
    GET  "/team/{user_id}" => Learner, team::show_report;
    GET  "/admin/sso" => PlatformAdmin, sso::admin::admin_sso;
    POST "/admin/sso" => PlatformAdmin, sso::admin::add_sso_provider;
    POST "/admin/sso/{slug}/remove" => PlatformAdmin, sso::admin::remove_sso_provider;
    // E-mail: forgotten password, preferences, one-click unsubscribe, per-cohort reminders.
    GET  "/password-reset" => Public, password_reset::show_password_reset;
    POST "/password-reset" => Public, password_reset::request_password_reset;
    GET  "/unsubscribe/{token}" => Public, mail::show_unsubscribe;
    POST "/unsubscribe/{token}" => Public, mail::unsubscribe;
    GET  "/account/notifications" => Learner, mail::show_email_preferences;
    POST "/account/notifications" => Learner, mail::save_email_preferences;
    POST "/org/{slug}/cohorts/{id}/reminders" => OrgAdmin, mail::set_cohort_reminders;
    GET  "/admin/email" => PlatformAdmin, mail::admin_email;
    // The learner's course.
    GET  "/dashboard" => Learner, learner::dashboard;
    GET  "/modules/{module}" => Learner, learner::show_module;
    GET  "/modules/{module}/lessons/{lesson}" => Learner, learner::show_lesson;
    POST "/modules/{module}/lessons/{lesson}/complete" => Learner, learner::complete_lesson;
    GET  "/modules/{module}/quiz" => Learner, quiz::take::show_quiz;
    POST "/modules/{module}/quiz" => Learner, quiz::take::submit_quiz;
    GET  "/attempts" => Learner, quiz::history::list_attempts;
    GET  "/attempts/{id}" => Learner, quiz::review::show_attempt;
    POST "/learning-time/beat" => Learner, learning_time::heartbeat;
    // Certificates and their public verification.
    GET  "/certificate" => Learner, certificates::my_certificate;
    GET  "/certificates/{file}" => Learner, certificates::certificate_pdf;
    GET  "/verify" => Public, certificates::verify_form;
    GET  "/verify/{code}" => Public, certificates::verify;
    GET  "/verify/{code}/credential.json" => Public, certificates::credential_json;
    GET  "/verify/{code}/status" => Public, certificates::credential_status;
    GET  "/.well-known/jwks.json" => Public, certificates::jwks;
    GET  "/credentials/keys/{id}" => Public, credentials::show_key;
    GET  "/credentials/status/{list}" => Public, credentials::show_status_list;
    // The platform admin area.
    GET  "/admin" => PlatformAdmin, admin::admin_home;
    GET  "/admin/scorm.zip" => PlatformAdmin, scorm::download_scorm;
    GET  "/admin/audit" => PlatformAdmin, admin::audit_log::show_audit;
    GET  "/admin/audit.csv" => PlatformAdmin, admin::audit_log::audit_csv;
    GET  "/admin/certificates/{code}" => PlatformAdmin, admin::certificates::show_certificate;
    POST "/admin/certificates/{code}/revoke" => PlatformAdmin, admin::certificates::revoke_certificate;
    POST "/admin/organisations" => PlatformAdmin, admin::organisations::create_organisation;
    POST "/admin/organisations/{slug}/admins" => PlatformAdmin, admin::organisations::appoint_org_admin;
    POST "/admin/users/{id}/disable" => PlatformAdmin, admin::users::disable_user;
    // The course lead (org admin) area. Bulk imports may be larger than ordinary forms.
    GET  "/org" => Learner, org::report::show_led_organisations;
    GET  "/org/{slug}" => OrgAdmin, org::report::show_report;
    GET  "/org/{slug}/progress.csv" => OrgAdmin, org::report::progress_csv;
    GET  "/org/{slug}/cohorts" => OrgAdmin, org::cohorts::show_cohorts;
    POST "/org/{slug}/cohorts" => OrgAdmin, org::cohorts::create_cohort;
    POST "/org/{slug}/cohorts/{id}/lock" => OrgAdmin, org::cohorts::set_cohort_lock;
    POST "/org/{slug}/time-zone" => OrgAdmin, org::cohorts::set_time_zone;
    POST "/org/{slug}/moves" => OrgAdmin, org::members::move_members;
    GET  "/org/{slug}/members/{user_id}" => OrgAdmin, org::members::show_member;
    POST "/org/{slug}/members/{user_id}/cohort" => OrgAdmin, org::members::move_member;
    GET  "/org/{slug}/members/{user_id}/remove" => OrgAdmin, org::leaving::confirm_remove;
    POST "/org/{slug}/members/{user_id}/remove" => OrgAdmin, org::leaving::remove_member;
    GET  "/org/{slug}/removed/{user_id}" => OrgAdmin, org::leaving::show_removed;
    POST "/org/{slug}/members/{user_id}/restore" => OrgAdmin, org::leaving::restore_member;
    POST "/org/{slug}/members/{user_id}/reset" => OrgAdmin, org::members::reset_member;
    POST "/org/{slug}/members/{user_id}/activation" => OrgAdmin, org::members::resend_activation;
    POST "/org/{slug}/invitations" => OrgAdmin, org::invitations::create_invitation;
    POST "/org/{slug}/invitations/{id}/revoke" => OrgAdmin, org::invitations::revoke_invitation;
    GET  "/org/{slug}/import" => OrgAdmin, org::import::show_import, limit IMPORT_LIMIT;
    POST "/org/{slug}/import" => OrgAdmin, org::import::import_users, limit IMPORT_LIMIT;
    POST "/org/{slug}/import/links.csv" => OrgAdmin, org::import::import_links_csv, limit IMPORT_LIMIT;
    GET  "/org/{slug}/quiz" => OrgAdmin, org::insight::quiz_insight;
    POST "/org/{slug}/security" => OrgAdmin, org::report::set_security;
    GET  "/org/{slug}/audit" => OrgAdmin, org::audit_log::show_audit;
    GET  "/org/{slug}/completions.csv" => OrgAdmin, org::esr::completions_csv;
    GET  "/org/{slug}/members/{user_id}/employee-number" => OrgAdmin, org::member::show_member;
    POST "/org/{slug}/members/{user_id}/employee-number" => OrgAdmin, org::member::set_employee_number;
    GET  "/org/{slug}/api" => OrgAdmin, org::api_tokens::show_api_tokens;
    POST "/org/{slug}/api/tokens" => OrgAdmin, org::api_tokens::create_api_token;
    POST "/org/{slug}/api/tokens/{id}/revoke" => OrgAdmin, org::api_tokens::revoke_api_token;
    GET  "/org/{slug}/audit.csv" => OrgAdmin, org::audit_log::audit_csv;
    GET  "/org/{slug}/webhooks" => OrgAdmin, org::webhooks::show_webhooks;
    POST "/org/{slug}/webhooks" => OrgAdmin, org::webhooks::create_webhook;
    POST "/org/{slug}/webhooks/{id}/delete" => OrgAdmin, org::webhooks::delete_webhook;
    GET  "/org/{slug}/line-managers" => OrgAdmin, team::show_line_managers;
    POST "/org/{slug}/line-managers" => OrgAdmin, team::set_line_manager;
    // Invitations and activation links.
    GET  "/invite/{token}" => Public, onboarding::show_invite;
    POST "/invite/{token}" => Learner, onboarding::accept_invite;
    GET  "/activate/{token}" => Public, onboarding::show_activate;
    POST "/activate/{token}" => Public, onboarding::activate;
    // Worksheets (long answers: their own body limit) and the AI project plan.
    GET  "/modules/{module}/worksheet" => Learner, worksheets::show_worksheet, limit worksheets::WORKSHEET_FORM_LIMIT;
    POST "/modules/{module}/worksheet" => Learner, worksheets::save_worksheet, limit worksheets::WORKSHEET_FORM_LIMIT;
    GET  "/plan" => Learner, worksheets::show_plan;
    GET  "/plan.md" => Learner, worksheets::download_plan_markdown;
    GET  "/plan.pdf" => Learner, worksheets::download_plan_pdf;
    GET  "/plan.docx" => Learner, worksheets::download_plan_docx;
    POST "/plan/sharing" => Learner, worksheets::set_plan_sharing;
    // The team plan a cohort writes together; submitting a plan; the org admin's review.
    GET  "/plan/team" => Learner, team_plan::edit::show_team_plan;
    GET  "/plan/team.md" => Learner, team_plan::export::team_plan_markdown;
    GET  "/plan/team.pdf" => Learner, team_plan::export::team_plan_pdf;
    GET  "/plan/team.docx" => Learner, team_plan::export::team_plan_docx;
    POST "/plan/team/{cohort}/sections/{module}/{prompt}" => Learner, team_plan::edit::save_section, limit team_plan::TEAM_PLAN_FORM_LIMIT;
    POST "/plan/team/{cohort}/sections/{module}/{prompt}/copy" => Learner, team_plan::edit::copy_section;
    GET  "/plan/team/{cohort}/sections/{module}/{prompt}/history" => Learner, team_plan::edit::section_history;
    POST "/plan/team/{cohort}/submit" => Learner, team_plan::submit::submit_team_plan;
    GET  "/plan/submissions" => Learner, team_plan::submit::show_submissions;
    POST "/plan/submit" => Learner, team_plan::submit::submit_own_plan;
    POST "/org/{slug}/cohorts/{id}/team-plan" => OrgAdmin, team_plan::org::set_team_plan;
    GET  "/org/{slug}/plans" => OrgAdmin, team_plan::org::show_org_plans;
    GET  "/org/{slug}/plans/{id}" => OrgAdmin, team_plan::org::show_submission;
    POST "/org/{slug}/plans/{id}/review" => OrgAdmin, team_plan::org::review_submission;
    // The confidence self-assessment, before and after the course.
    GET  "/confidence/before" => Learner, confidence::show_before;
    POST "/confidence/before" => Learner, confidence::submit_before;
    POST "/confidence/before/skip" => Learner, confidence::skip_before;
    GET  "/confidence/after" => Learner, confidence::show_after;
    POST "/confidence/after" => Learner, confidence::submit_after;
    POST "/confidence/after/skip" => Learner, confidence::skip_after;
    // The learner's account and data rights; platform admins' people pages.
    GET  "/account" => Learner, account::show_account;
    POST "/account/name" => Learner, account::details::change_name;
    POST "/account/email" => Learner, account::details::change_email;
    POST "/account/password" => Learner, account::details::change_password;
    POST "/account/sessions/end" => Learner, account::sessions_end::end_session;
    POST "/account/sessions/end-others" => Learner, account::sessions_end::end_other_sessions;
    GET  "/account/export" => Learner, account::export::show_export;
    GET  "/account/export.json" => Learner, account::export::export_json;
    GET  "/account/delete" => Learner, account::delete::show_delete;
    POST "/account/delete" => Learner, account::delete::delete_account;
    GET  "/account/mfa" => Learner, mfa::show;
    POST "/account/mfa/enable" => Learner, mfa::enable;
    POST "/account/mfa/recovery-codes" => Learner, mfa::recovery_codes;
    POST "/account/mfa/disable" => Learner, mfa::disable;
    // The read-only JSON API for Trust systems (bearer tokens; see `web::api`).
    GET  "/api/v1/openapi.json" => Public, api::openapi_json;
    GET  "/api/v1/members" => ApiToken, api::members::list_members;
    GET  "/api/v1/members/{member_id}" => ApiToken, api::members::show_member;
    GET  "/api/v1/progress" => ApiToken, api::records::list_progress;
    GET  "/api/v1/completions" => ApiToken, api::records::list_completions;
    GET  "/api/v1/certificates" => ApiToken, api::records::list_certificates;
    GET  "/api/v1/certificates/{code}" => ApiToken, api::records::show_certificate;
    GET  "/admin/users" => PlatformAdmin, admin::users::find_users;
    POST "/admin/users/{id}/reset" => PlatformAdmin, admin::users::reset_user;
    GET  "/admin/users/{id}/delete" => PlatformAdmin, admin::users::show_delete_user;
    POST "/admin/users/{id}/delete" => PlatformAdmin, admin::users::delete_user;
}
