//! The completion certificate: one A4 landscape page.
use super::{
    Faces, NHS_BLUE, SECONDARY, TEXT, centred, document, finish, frame, page_settings, qr, rect,
    text,
};

#[derive(serde::Serialize)]
pub struct CertificatePdf {
    pub holder_name: String,
    pub course_title: String,
    pub course_version: String,
    pub completed_on: String,
    pub expires_on: Option<String>,
    pub code: String,
    pub verify_url: String,
    /// (number, title, completed on, best score)
    pub modules: Vec<(usize, String, String, Option<i32>)>,
    /// Learning time recorded up to the issue, e.g. "3.6 hours", when the certificate records it.
    pub learning_hours: Option<String>,
    /// Where the holder's AI project plan stands, e.g. "Submitted 3 May 2027, reviewed 10 May
    /// 2027", once one has been submitted.
    pub plan: Option<String>,
}

/// Renders the certificate.
///
/// # Errors
/// Only if the PDF library fails.
pub fn render(c: &CertificatePdf) -> anyhow::Result<Vec<u8>> {
    let faces = Faces::load()?;
    let (w, h) = (841.89_f32, 595.28_f32);
    let mut doc = document(&format!(
        "{}: certificate of completion for {}",
        c.course_title, c.holder_name
    ));
    {
        let mut page = doc.start_page_with(page_settings(w, h)?);
        let mut s = page.surface();
        rect(&mut s, NHS_BLUE, 0.0, 0.0, w, 18.0);
        frame(&mut s, NHS_BLUE, 2.0, 28.0, 40.0, w - 56.0, h - 68.0);
        let cx = w / 2.0;
        centred(
            &mut s,
            &faces.bold,
            13.0,
            NHS_BLUE,
            cx,
            82.0,
            &c.course_title.to_uppercase(),
        );
        centred(
            &mut s,
            &faces.bold,
            30.0,
            TEXT,
            cx,
            126.0,
            "Certificate of completion",
        );
        centred(
            &mut s,
            &faces.regular,
            13.0,
            SECONDARY,
            cx,
            160.0,
            "This certifies that",
        );
        // Long names shrink to fit the page.
        let mut size = 30.0;
        while size > 14.0 && faces.bold.width(&c.holder_name, size) > w - 160.0 {
            size -= 1.0;
        }
        centred(&mut s, &faces.bold, size, TEXT, cx, 200.0, &c.holder_name);
        centred(
            &mut s,
            &faces.regular,
            13.0,
            SECONDARY,
            cx,
            230.0,
            &format!(
                "completed {} (version {}) on {}",
                c.course_title, c.course_version, c.completed_on
            ),
        );
        centred(
            &mut s,
            &faces.regular,
            11.0,
            SECONDARY,
            cx,
            250.0,
            "a self-paced course based on the NHS AI Lab Skunkworks \u{201c}AI Deep Dive\u{201d} workshop series",
        );

        text(
            &mut s,
            &faces.bold,
            12.0,
            TEXT,
            70.0,
            292.0,
            "Modules completed",
        );
        let mut y = 314.0;
        for (number, title, on, score) in &c.modules {
            let score = score
                .map(|s| format!(" · best quiz score {s}%"))
                .unwrap_or_default();
            text(
                &mut s,
                &faces.regular,
                11.0,
                TEXT,
                70.0,
                y,
                &format!("{number}. {title}"),
            );
            text(
                &mut s,
                &faces.regular,
                10.0,
                SECONDARY,
                360.0,
                y,
                &format!("completed {on}{score}"),
            );
            y += 20.0;
        }

        let qr_size = 118.0;
        let qx = w - 70.0 - qr_size;
        let qy = h - 56.0 - qr_size;
        qr(&mut s, &c.verify_url, qx, qy, qr_size)?;
        let by = h - 120.0;
        text(
            &mut s,
            &faces.regular,
            10.0,
            SECONDARY,
            70.0,
            by,
            "Certificate code",
        );
        text(&mut s, &faces.bold, 16.0, TEXT, 70.0, by + 20.0, &c.code);
        text(
            &mut s,
            &faces.regular,
            10.0,
            SECONDARY,
            70.0,
            by + 40.0,
            "Check this certificate at",
        );
        text(
            &mut s,
            &faces.regular,
            10.0,
            NHS_BLUE,
            70.0,
            by + 54.0,
            &c.verify_url,
        );
        if let Some(exp) = &c.expires_on {
            text(
                &mut s,
                &faces.regular,
                10.0,
                SECONDARY,
                340.0,
                by,
                "Valid until",
            );
            text(&mut s, &faces.bold, 12.0, TEXT, 340.0, by + 18.0, exp);
        }
        if let Some(hours) = &c.learning_hours {
            text(
                &mut s,
                &faces.regular,
                10.0,
                SECONDARY,
                480.0,
                by,
                "Learning time recorded",
            );
            text(&mut s, &faces.bold, 12.0, TEXT, 480.0, by + 18.0, hours);
        }
        if let Some(plan) = &c.plan {
            text(
                &mut s,
                &faces.regular,
                10.0,
                SECONDARY,
                340.0,
                by + 40.0,
                "AI project plan",
            );
            text(&mut s, &faces.bold, 12.0, TEXT, 340.0, by + 58.0, plan);
        }
        centred(
            &mut s,
            &faces.regular,
            8.0,
            SECONDARY,
            qx + qr_size / 2.0,
            qy + qr_size + 10.0,
            "Scan to verify",
        );
        s.finish();
        page.finish();
    }
    finish(doc)
}
