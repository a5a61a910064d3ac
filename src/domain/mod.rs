//! Values parsed from user input. Holding one means it is valid: parse, don't validate.
mod certificate_code;
mod display_name;
mod email;
pub mod import;
mod password;
pub mod quiz;

pub use certificate_code::CertificateCode;
pub use display_name::DisplayName;
pub use email::Email;
pub use password::{NewPassword, PasswordProblem};
