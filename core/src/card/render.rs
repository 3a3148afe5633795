//! Printing: the QR code, the card at ID-1 size (85.6 x 54 mm) at 300 dpi, and A4 sheets of
//! cards for field printers.
//!
//! Grey images with whole-pixel QR modules: a 300 dpi printer then prints every module the
//! same size, which matters more to a phone's decoder than smooth edges.

use image::GrayImage;
use qrcode::{Color, EcLevel, QrCode};

use super::font::{self, draw_text, text_width};
use super::issuer::SignedCard;
use super::photo::QrPlacement;

/// Print resolution of cards and sheets.
pub const DPI: u32 = 300;
/// ID-1 card (ISO/IEC 7810) at 300 dpi: 85.6 mm x 54 mm.
pub const CARD_W: u32 = 1011;
pub const CARD_H: u32 = 638;
/// Pixels per QR module: 7 px at 300 dpi is 0.59 mm, well above what a phone camera
/// resolves at reading distance, and a version 10 code (57 modules) is 34 mm wide. 6 px
/// read 93% of the simulated photos against 97-98% at 7 px (docs/formats/card.md): the
/// smallest, most blurred photos need the extra size.
pub const MODULE_PX: u32 = 7;
/// Light modules around the code, as ISO/IEC 18004 requires.
pub const QUIET_MODULES: u32 = 4;
/// Error correction: M restores 15% of damaged codewords, the usual compromise between a
/// scratched card and a small code (L is too fragile for cards kept in pockets).
pub const EC_LEVEL: EcLevel = EcLevel::M;
/// A4 at 300 dpi.
pub const A4_W: u32 = 2480;
pub const A4_H: u32 = 3508;
/// Cards per A4 page: 2 across, 5 down, with room for cutting.
pub const SHEET_COLUMNS: u32 = 2;
pub const SHEET_ROWS: u32 = 5;

/// Why a card cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the payload does not fit in a QR code: {0}")]
    Qr(String),
}

/// The QR code of a card text, at [`EC_LEVEL`], smallest version that holds it.
pub fn qr_code(text: &str) -> Result<QrCode, RenderError> {
    QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(|e| RenderError::Qr(e.to_string()))
}

/// The QR version (1-40) a card text needs.
pub fn qr_version(text: &str) -> Result<i16, RenderError> {
    match qr_code(text)?.version() {
        qrcode::Version::Normal(v) => Ok(v),
        qrcode::Version::Micro(v) => Ok(v),
    }
}

/// The QR code alone, quiet zone included, `module_px` pixels per module.
pub fn render_qr(text: &str, module_px: u32) -> Result<GrayImage, RenderError> {
    let code = qr_code(text)?;
    let n = code.width() as u32;
    let side = (n + 2 * QUIET_MODULES) * module_px;
    let colors = code.to_colors();
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / module_px) as i64 - i64::from(QUIET_MODULES), (y / module_px) as i64 - i64::from(QUIET_MODULES));
        let dark = mx >= 0 && my >= 0 && (mx as u32) < n && (my as u32) < n && colors[(my as u32 * n + mx as u32) as usize] == Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    }))
}

/// Text printed on every card, French then English.
pub const TITLE: &str = "CARTE DE MÉNAGE / HOUSEHOLD CARD";
pub const NOTICE_FR: &str = "PRÉSENTEZ CETTE CARTE À CHAQUE DISTRIBUTION.";
pub const NOTICE_EN: &str = "SHOW THIS CARD AT EVERY DISTRIBUTION.";

/// The printable card: the QR code on the right; on the left the household id in large
/// type (with its check character), the site, the issue date and the notice.
pub fn render_card(card: &SignedCard) -> Result<RenderedCard, RenderError> {
    let qr = render_qr(&card.text, MODULE_PX)?;
    let (w, h) = (CARD_W as usize, CARD_H as usize);
    let mut px = vec![255u8; w * h];
    // A thin grey outline to cut along.
    for x in 0..w {
        for y in [0, 1, h - 2, h - 1] {
            px[y * w + x] = 160;
        }
    }
    for y in 0..h {
        for x in [0, 1, w - 2, w - 1] {
            px[y * w + x] = 160;
        }
    }
    let margin = 36usize;
    draw_text(&mut px, w, margin, 30, TITLE, 3);
    // Household id: large, and split at the hyphens when it does not fit beside the code.
    let qr_left = w.saturating_sub(qr.width() as usize + margin / 2);
    let text_room = qr_left.saturating_sub(margin + 10);
    let id = card.claims.household.to_string();
    draw_text(&mut px, w, margin, 110, "MÉNAGE / HOUSEHOLD", 2);
    let id_scale = (1..=6).rev().find(|&s| text_width(&id, s) <= text_room).unwrap_or(1);
    draw_text(&mut px, w, margin, 145, &id, id_scale);
    let mut y = 145 + font::LINE * id_scale + 20;
    for (label, value) in [
        ("SITE", card.claims.site.clone()),
        ("ÉMISE LE / ISSUED", card.claims.issued_at.date().to_string()),
        ("MEMBRES / MEMBERS", card.claims.member_count.to_string()),
    ] {
        draw_text(&mut px, w, margin, y, label, 2);
        draw_text(&mut px, w, margin, y + 30, &value, 4);
        y += 30 + font::LINE * 4 + 8;
    }
    draw_text(&mut px, w, margin, h - 80, NOTICE_FR, 2);
    draw_text(&mut px, w, margin, h - 50, NOTICE_EN, 2);
    let mut image = GrayImage::from_raw(CARD_W, CARD_H, px).unwrap_or_else(|| GrayImage::new(CARD_W, CARD_H));
    let top = ((CARD_H - qr.height()) / 2 + 20).min(CARD_H - qr.height());
    image::imageops::replace(&mut image, &qr, qr_left as i64, i64::from(top));
    let side = f64::from(qr.width());
    let qr = QrPlacement { cx: qr_left as f64 + side / 2.0, cy: f64::from(top) + side / 2.0, side };
    Ok(RenderedCard { image, qr })
}

/// A card image and where its QR code is.
#[derive(Debug, Clone)]
pub struct RenderedCard {
    pub image: GrayImage,
    pub qr: QrPlacement,
}

/// A4 pages of cards, [`SHEET_COLUMNS`] x [`SHEET_ROWS`] per page, in order.
pub fn render_sheets(cards: &[GrayImage]) -> Vec<GrayImage> {
    let per_page = (SHEET_COLUMNS * SHEET_ROWS) as usize;
    let gap_x = (A4_W - SHEET_COLUMNS * CARD_W) / (SHEET_COLUMNS + 1);
    let gap_y = (A4_H - SHEET_ROWS * CARD_H) / (SHEET_ROWS + 1);
    cards
        .chunks(per_page)
        .map(|page_cards| {
            let mut page = GrayImage::from_pixel(A4_W, A4_H, image::Luma([255]));
            for (i, card) in page_cards.iter().enumerate() {
                let (col, row) = (i as u32 % SHEET_COLUMNS, i as u32 / SHEET_COLUMNS);
                let x = gap_x + col * (CARD_W + gap_x);
                let y = gap_y + row * (CARD_H + gap_y);
                image::imageops::replace(&mut page, card, i64::from(x), i64::from(y));
            }
            page
        })
        .collect()
}

/// PNG bytes of a grey image.
pub fn to_png(image: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    // Encoding into memory fails only on impossible sizes.
    let _ = image.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}
