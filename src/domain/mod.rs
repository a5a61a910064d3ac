//! Values parsed from user input. Holding one means it is valid: parse, don't validate.
mod certificate_code;
pub mod confidence;
mod display_name;
mod email;
pub mod import;
mod password;
pub mod quiz;
pub mod roles;
pub mod worksheet;

pub use certificate_code::CertificateCode;
pub use display_name::DisplayName;
pub use email::Email;
pub use password::{NewPassword, PasswordProblem};
pub use roles::{MemberRole, Role};
