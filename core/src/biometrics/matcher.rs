//! 1:1 matcher.

use super::template::Template;

/// A template prepared once for many comparisons.
#[derive(Debug, Clone)]
pub struct PreparedTemplate {
    pub template: Template,
}

impl PreparedTemplate {
    pub fn new(template: &Template) -> Self {
        PreparedTemplate { template: template.clone() }
    }
}

/// Reusable scratch space: comparisons allocate nothing.
#[derive(Debug, Default)]
pub struct Matcher {}

impl Matcher {
    pub fn new() -> Self {
        Matcher {}
    }
    /// Calibrated score: 10·log10(1/FMR) (so 40 means FMR 1 in 10,000).
    pub fn compare(&mut self, probe: &PreparedTemplate, candidate: &PreparedTemplate) -> f32 {
        let _ = (probe, candidate);
        0.0
    }
}
