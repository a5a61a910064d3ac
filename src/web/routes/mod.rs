//! Every route, with the guard it declares, in one table: the router and the guard inventory are
//! both made from it, so they cannot drift apart. Deny by default: a handler that needs a user takes
//! `CurrentUser` (or a stricter guard); only the routes marked public take none.
use actix_web::http::Method;
use actix_web::{guard, web};

mod account;
mod admin;
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
    GET  "/glossary" => Public, glossary::show_glossary;
    // Registering, logging in and out.
    GET  "/register" => Public, auth::show_register;
    POST "/register" => Public, auth::register;
    GET  "/login" => Public, auth::show_login;
    POST "/login" => Public, auth::login;
    GET  "/login/code" => Public, auth::show_login_code;
    POST "/login/code" => Public, auth::login_code;
    POST "/logout" => Learner, auth::logout;
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
    GET  "/modules/{module}/quiz" => Learner, quiz::show_quiz;
    POST "/modules/{module}/quiz" => Learner, quiz::submit_quiz;
    POST "/learning-time/beat" => Learner, learning_time::heartbeat;
    GET  "/attempts" => Learner, quiz::list_attempts;
    GET  "/attempts/{id}" => Learner, quiz::show_attempt;
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
    GET  "/admin/certificates/{code}" => PlatformAdmin, admin::show_certificate;
    POST "/admin/certificates/{code}/revoke" => PlatformAdmin, admin::revoke_certificate;
    POST "/admin/organisations" => PlatformAdmin, admin::create_organisation;
    POST "/admin/organisations/{slug}/admins" => PlatformAdmin, admin::appoint_org_admin;
    POST "/admin/users/{id}/disable" => PlatformAdmin, admin::disable_user;
    // The org admin area. Bulk imports may be larger than ordinary forms.
    GET  "/org/{slug}" => OrgAdmin, org::report::show_report;
    GET  "/org/{slug}/progress.csv" => OrgAdmin, org::report::progress_csv;
    POST "/org/{slug}/cohorts" => OrgAdmin, org::cohorts::create_cohort;
    POST "/org/{slug}/members/{user_id}/cohort" => OrgAdmin, org::members::move_member;
    POST "/org/{slug}/members/{user_id}/remove" => OrgAdmin, org::members::remove_member;
    POST "/org/{slug}/members/{user_id}/reset" => OrgAdmin, org::members::reset_member;
    POST "/org/{slug}/invitations" => OrgAdmin, org::invitations::create_invitation;
    POST "/org/{slug}/invitations/{id}/revoke" => OrgAdmin, org::invitations::revoke_invitation;
    GET  "/org/{slug}/import" => OrgAdmin, org::import::show_import, limit IMPORT_LIMIT;
    POST "/org/{slug}/import" => OrgAdmin, org::import::import_users, limit IMPORT_LIMIT;
    POST "/org/{slug}/import/links.csv" => OrgAdmin, org::import::import_links_csv, limit IMPORT_LIMIT;
    GET  "/org/{slug}/quiz" => OrgAdmin, org::insight::quiz_insight;
    POST "/org/{slug}/security" => OrgAdmin, org::report::set_security;
    GET  "/org/{slug}/audit" => OrgAdmin, org::audit_log::show_audit;
    GET  "/org/{slug}/webhooks" => OrgAdmin, org::webhooks::show_webhooks;
    POST "/org/{slug}/webhooks" => OrgAdmin, org::webhooks::create_webhook;
    POST "/org/{slug}/webhooks/{id}/delete" => OrgAdmin, org::webhooks::delete_webhook;
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
    POST "/plan/sharing" => Learner, worksheets::set_plan_sharing;
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
    GET  "/admin/users" => PlatformAdmin, admin::find_users;
    POST "/admin/users/{id}/reset" => PlatformAdmin, admin::reset_user;
    GET  "/admin/users/{id}/delete" => PlatformAdmin, admin::show_delete_user;
    POST "/admin/users/{id}/delete" => PlatformAdmin, admin::delete_user;
}
