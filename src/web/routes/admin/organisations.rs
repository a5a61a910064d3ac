//! Creating an organisation and appointing its course leads. A form with a problem comes back
//! on the admin page with its error summary and what was typed.
use actix_web::{HttpResponse, web};

use crate::domain::Email;
use crate::error::AppError;
use crate::services::organisations::{self as orgs, OrgError};
use crate::services::platform_admin;
use crate::web::csrf::CsrfForm;
use crate::web::extract::actor;
use crate::web::form::{FieldErrors, FormFields};
use crate::web::page::Page;
use crate::web::session::PlatformAdmin;

use super::{HomeForms, OrgForm};

/// The new organisation's name and web address name, or the problems with each. When the web
/// address name is empty, one is suggested from the name (and filled in for the admin to check).
fn parse_org(f: &FormFields) -> Result<(String, String), (FieldErrors, OrgForm)> {
    let name = f.get("name").trim().to_string();
    let typed_slug = f.get("slug").trim().to_string();
    let mut errors = FieldErrors::default();
    let mut form = OrgForm {
        name: f.get("name").to_string(),
        slug: typed_slug.clone(),
        ..OrgForm::default()
    };
    if name.is_empty() {
        errors.add("org-name", "Enter the organisation's name");
    } else if name.chars().count() > 200 {
        errors.add(
            "org-name",
            "The organisation's name must be 200 characters or fewer",
        );
    }
    let slug = if typed_slug.is_empty() {
        form.slug = platform_admin::suggest_slug(&name);
        errors.add(
            "org-slug",
            if form.slug.is_empty() {
                "Enter a web address name".to_string()
            } else {
                "Check the web address name we suggested from the name, then create the organisation".to_string()
            },
        );
        None
    } else {
        errors.take("org-slug", orgs::parse_slug(&typed_slug), |m| {
            format!("Web address name: {m}")
        })
    };
    match slug {
        Some(slug) if errors.is_empty() => Ok((name, slug)),
        _ => {
            form.name_error = errors.message_for("org-name");
            form.slug_error = errors.message_for("org-slug");
            Err((errors, form))
        }
    }
}

/// `POST /admin/organisations`: fields `name`, `slug`.
pub async fn create_organisation(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let (name, slug) = match parse_org(&form.fields) {
        Ok(v) => v,
        Err((errors, org)) => {
            let forms = HomeForms {
                errors,
                org,
                appoint: None,
            };
            return super::home_page(&page, String::new(), forms).await;
        }
    };
    let (state, req) = (&page.state, &page.req);
    let who = actor(req, &admin.0);
    match platform_admin::create_organisation(&state.db, &state.clock, &who, &name, &slug).await {
        Ok(org) => Ok(page.see_other(&format!("/org/{}", org.slug))),
        Err(OrgError::SlugTaken) => {
            let message = "Another organisation already uses that web address name: choose another";
            let org = OrgForm {
                name: form.fields.get("name").to_string(),
                slug,
                slug_error: Some(message.into()),
                ..OrgForm::default()
            };
            let forms = HomeForms {
                errors: FieldErrors::one("org-slug", message),
                org,
                appoint: None,
            };
            super::home_page(&page, String::new(), forms).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/organisations/{slug}/admins`: field `email` of an existing account, made a course
/// lead (org admin) there.
pub async fn appoint_org_admin(
    page: Page,
    admin: PlatformAdmin,
    form: CsrfForm,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let state = &page.state;
    let org = orgs::by_slug(&state.db, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    let typed = form.fields.get("email").to_string();
    let problem = match Email::parse(&typed) {
        Err(m) => Err(m.to_string()),
        Ok(email) => crate::services::auth::find_by_email(&state.db, &email)
            .await?
            .ok_or_else(|| "There is no account with that e-mail address. Ask the person to register first, or add them from the organisation's \"Add staff\" page".to_string()),
    };
    let user = match problem {
        Ok(user) => user,
        Err(message) => {
            // The failing organisation's field takes this id on the re-shown page.
            let errors = FieldErrors::one("appoint-email", message);
            let forms = HomeForms {
                errors,
                org: OrgForm::default(),
                appoint: Some((org.slug, typed)),
            };
            return super::home_page(&page, String::new(), forms).await;
        }
    };
    let who = actor(&page.req, &admin.0);
    platform_admin::appoint_org_admin(&state.db, &state.clock, &who, org.id, user.id).await?;
    Ok(page.see_other(&format!("/org/{}", org.slug)))
}
