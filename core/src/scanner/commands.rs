//! The command set: message types and payload layouts, shared by the driver and the
//! simulator (facts, "STM commands" and "UN20 commands").
//!
//! Where the facts leave a layout open, the choice made here is marked **Assumed** and listed
//! in docs/scanner.md; check those against a device before relying on them in the field.

use super::frame::FrameError;
use crate::biometrics::template::crc32;

/// STM (microcontroller) message types, route 0x10; events on route 0x11.
pub mod stm {
    pub const EXTENDED_VERSION: (u8, u8) = (0x10, 0x01);
    pub const UN20_POWERED: (u8, u8) = (0x20, 0x10);
    pub const SET_UN20_POWER: (u8, u8) = (0x20, 0x20);
    /// Event: the UN20's new power state (1 byte).
    pub const UN20_STATE_EVENT: (u8, u8) = (0x2A, 0x00);
    pub const TRIGGER_ACTIVE: (u8, u8) = (0x30, 0x10);
    pub const SET_TRIGGER_ACTIVE: (u8, u8) = (0x30, 0x20);
    /// Event: the trigger button was pressed.
    pub const TRIGGER_EVENT: (u8, u8) = (0x3A, 0x00);
    pub const SMILE_LEDS: (u8, u8) = (0x40, 0x10);
    pub const BLUETOOTH_LED: (u8, u8) = (0x40, 0x20);
    pub const POWER_LED: (u8, u8) = (0x40, 0x30);
    pub const SET_SMILE_LEDS: (u8, u8) = (0x41, 0x10);
    pub const BATTERY_PERCENT: (u8, u8) = (0x50, 0x10);
    pub const BATTERY_VOLTAGE: (u8, u8) = (0x50, 0x11);
    pub const BATTERY_CURRENT: (u8, u8) = (0x50, 0x12);
    pub const BATTERY_TEMPERATURE: (u8, u8) = (0x50, 0x13);
}

/// UN20 (sensor module) message types, route 0x20.
pub mod un20 {
    pub const APP_VERSION: (u8, u8) = (0x10, 0x01);
    pub const CAPTURE: (u8, u8) = (0x21, 0x00);
    pub const QUALITY_PREVIEW: (u8, u8) = (0x22, 0x00);
    pub const SCAN_LED: (u8, u8) = (0x23, 0x00);
    pub const TEMPLATE_TYPES: (u8, u8) = (0x30, 0x00);
    /// Get template; the minor byte is the [`TemplateType`](super::TemplateType).
    pub const GET_TEMPLATE: u8 = 0x31;
    pub const IMAGE_FORMATS: (u8, u8) = (0x40, 0x00);
    /// Get image; the minor byte is the [`ImageFormat`](super::ImageFormat).
    pub const GET_IMAGE: u8 = 0x41;
    pub const IMAGE_QUALITY: (u8, u8) = (0x42, 0x00);
    /// Unprocessed image, same layout as [`GET_IMAGE`].
    pub const UNPROCESSED_IMAGE: u8 = 0x43;
}

/// Result byte of a command that only succeeds or fails.
pub const RESULT_OK: u8 = 0x00;
/// Result byte of a failed command.
pub const RESULT_ERROR: u8 = 0xFF;
/// A boolean on the wire: 0xFF yes (or "turn on"), 0x00 no.
pub const YES: u8 = 0xFF;
pub const NO: u8 = 0x00;

/// Scan quality at or below this means no finger was on the sensor (facts, "A usual capture").
pub const NO_FINGER_QUALITY: u8 = 10;

/// Reply to a UN20 capture command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureStatus {
    Ok = 0x00,
    NoFinger = 0x20,
    DpiNotSupported = 0x21,
    Error = 0xFF,
}

impl CaptureStatus {
    /// The status for a reply byte; anything unknown counts as an error.
    pub fn from_byte(byte: u8) -> CaptureStatus {
        match byte {
            0x00 => CaptureStatus::Ok,
            0x20 => CaptureStatus::NoFinger,
            0x21 => CaptureStatus::DpiNotSupported,
            _ => CaptureStatus::Error,
        }
    }
}

/// Template formats the UN20 can deliver (the minor byte of "get template").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateType {
    /// ISO/IEC 19794-2:2011 (what the UN20 and the simulator send).
    Iso19794_2_2011 = 0x10,
}

/// Image formats (the minor byte of "get image").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// 8-bit grey pixels (layout: [`RawImage`]).
    Raw,
    Png,
    /// FBI WSQ at the given compression ratio (commonly 15).
    Wsq {
        ratio: u8,
    },
}

impl ImageFormat {
    /// The minor byte that selects this format.
    pub fn minor(self) -> u8 {
        match self {
            ImageFormat::Raw => 0x00,
            ImageFormat::Png => 0x10,
            ImageFormat::Wsq { .. } => 0x20,
        }
    }

    /// Data bytes of the "get image" command (WSQ takes its compression ratio).
    pub fn command_data(self) -> Vec<u8> {
        match self {
            ImageFormat::Wsq { ratio } => vec![ratio],
            _ => Vec::new(),
        }
    }
}

/// Version of one scanner component in the unified version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComponentVersion {
    pub api_major: u16,
    pub api_minor: u16,
    pub firmware_major: u16,
    pub firmware_minor: u16,
}

/// The root-mode unified version: 32 bytes (facts, "Modes and framing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnifiedVersion {
    pub master: u64,
    pub bluetooth: ComponentVersion,
    pub stm: ComponentVersion,
    pub un20: ComponentVersion,
}

/// Length of the unified version data.
pub const UNIFIED_VERSION_LEN: usize = 32;

impl UnifiedVersion {
    /// The 32 wire bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.master.to_le_bytes().to_vec();
        for c in [self.bluetooth, self.stm, self.un20] {
            for v in [c.api_major, c.api_minor, c.firmware_major, c.firmware_minor] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Parse the 32 wire bytes.
    pub fn decode(data: &[u8]) -> Result<UnifiedVersion, FrameError> {
        if data.len() != UNIFIED_VERSION_LEN {
            return Err(FrameError::BadPayload {
                what: "unified version",
                len: data.len(),
            });
        }
        let u16_at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
        let component = |at: usize| ComponentVersion {
            api_major: u16_at(at),
            api_minor: u16_at(at + 2),
            firmware_major: u16_at(at + 4),
            firmware_minor: u16_at(at + 6),
        };
        let mut master = [0u8; 8];
        master.copy_from_slice(&data[..8]);
        Ok(UnifiedVersion {
            master: u64::from_le_bytes(master),
            bluetooth: component(8),
            stm: component(16),
            un20: component(24),
        })
    }
}

/// The scanner's battery gauge (four STM reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Battery {
    /// Charge, 0-100.
    pub percent: u8,
    /// Voltage in millivolts.
    pub voltage_mv: i16,
    /// Current in milliamps, negative when discharging.
    pub current_ma: i16,
    /// Temperature in tenths of a kelvin.
    pub temperature_dk: u16,
}

impl Battery {
    /// Temperature in degrees Celsius.
    pub fn temperature_celsius(&self) -> f32 {
        f32::from(self.temperature_dk) / 10.0 - 273.15
    }
}

impl Default for Battery {
    /// A healthy battery at room temperature.
    fn default() -> Battery {
        Battery {
            percent: 87,
            voltage_mv: 3950,
            current_ma: -120,
            temperature_dk: 2981,
        }
    }
}

/// One of the five "smile" LEDs: intensities and whether it flashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Led {
    pub blue: u8,
    pub green: u8,
    pub red: u8,
    pub flashing: bool,
}

impl Led {
    pub const OFF: Led = Led {
        blue: 0,
        green: 0,
        red: 0,
        flashing: false,
    };
    pub const GREEN: Led = Led {
        blue: 0,
        green: 0xFF,
        red: 0,
        flashing: false,
    };
    pub const RED: Led = Led {
        blue: 0,
        green: 0,
        red: 0xFF,
        flashing: false,
    };
    pub const FLASHING_WHITE: Led = Led {
        blue: 0xFF,
        green: 0xFF,
        red: 0xFF,
        flashing: true,
    };
}

/// The five smile LEDs: 20 bytes, 5 x [blue, green, red, flashing 0x00/0xFF].
/// **Assumed**: colour bytes are intensities 0-255 (the facts give only the layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SmileLeds(pub [Led; 5]);

/// Wire length of the smile LED state.
pub const SMILE_LEDS_LEN: usize = 20;

impl SmileLeds {
    /// All off.
    pub fn off() -> SmileLeds {
        SmileLeds([Led::OFF; 5])
    }
    /// All green: a good scan.
    pub fn good_scan() -> SmileLeds {
        SmileLeds([Led::GREEN; 5])
    }
    /// All red: a bad scan.
    pub fn bad_scan() -> SmileLeds {
        SmileLeds([Led::RED; 5])
    }
    /// Flashing white: waiting for a finger.
    pub fn waiting() -> SmileLeds {
        SmileLeds([Led::FLASHING_WHITE; 5])
    }
    /// Live quality feedback during capture: 1 to 5 green LEDs for quality
    /// 0-39 / 40-59 / 60-74 / 75-84 / 85-100 (facts, "STM commands").
    pub fn for_quality(quality: u8) -> SmileLeds {
        let lit = match quality {
            0..=39 => 1,
            40..=59 => 2,
            60..=74 => 3,
            75..=84 => 4,
            _ => 5,
        };
        let mut leds = [Led::OFF; 5];
        for led in leds.iter_mut().take(lit) {
            *led = Led::GREEN;
        }
        SmileLeds(leds)
    }

    /// The 20 wire bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.0
            .iter()
            .flat_map(|l| [l.blue, l.green, l.red, if l.flashing { YES } else { NO }])
            .collect()
    }

    /// Parse the 20 wire bytes.
    pub fn decode(data: &[u8]) -> Result<SmileLeds, FrameError> {
        if data.len() != SMILE_LEDS_LEN {
            return Err(FrameError::BadPayload {
                what: "smile LED state",
                len: data.len(),
            });
        }
        let mut leds = [Led::OFF; 5];
        for (led, b) in leds.iter_mut().zip(data.chunks_exact(4)) {
            *led = Led {
                blue: b[0],
                green: b[1],
                red: b[2],
                flashing: b[3] != NO,
            };
        }
        Ok(SmileLeds(leds))
    }
}

/// A raw 8-bit grey image from the sensor.
///
/// **Assumed** layout (the facts say only "image bytes"): `[width u16][height u16]` then
/// `width x height` pixels, row-major, top row first, 0 = black. The CRC-32 that follows
/// the image on the wire is handled by [`seal_image`] and [`open_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawImage {
    pub width: u16,
    pub height: u16,
    pub pixels: Vec<u8>,
}

/// Length of the raw image's size header.
pub const RAW_IMAGE_HEADER_LEN: usize = 4;

impl RawImage {
    /// Size header and pixels.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(RAW_IMAGE_HEADER_LEN + self.pixels.len());
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.pixels);
        out
    }

    /// Parse size header and pixels; the pixel count must match the size.
    pub fn decode(bytes: &[u8]) -> Result<RawImage, FrameError> {
        let bad = || FrameError::BadPayload {
            what: "raw image",
            len: bytes.len(),
        };
        if bytes.len() < RAW_IMAGE_HEADER_LEN {
            return Err(bad());
        }
        let width = u16::from_le_bytes([bytes[0], bytes[1]]);
        let height = u16::from_le_bytes([bytes[2], bytes[3]]);
        let pixels = &bytes[RAW_IMAGE_HEADER_LEN..];
        if width == 0 || usize::from(width) * usize::from(height) != pixels.len() {
            return Err(bad());
        }
        Ok(RawImage {
            width,
            height,
            pixels: pixels.to_vec(),
        })
    }
}

/// Length of the CRC-32 that follows image bytes.
pub const CRC_LEN: usize = 4;

/// Image bytes followed by their CRC-32 (IEEE, little-endian), as the UN20 sends them.
pub fn seal_image(image: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.len() + CRC_LEN);
    out.extend_from_slice(image);
    out.extend_from_slice(&crc32(image).to_le_bytes());
    out
}

/// Check and strip the CRC-32 after image bytes.
pub fn open_image(data: &[u8]) -> Result<&[u8], FrameError> {
    if data.len() < CRC_LEN {
        return Err(FrameError::Truncated {
            expected: CRC_LEN,
            actual: data.len(),
        });
    }
    let (image, tail) = data.split_at(data.len() - CRC_LEN);
    let expected = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let actual = crc32(image);
    if expected != actual {
        return Err(FrameError::CrcMismatch { expected, actual });
    }
    Ok(image)
}

/// The single byte a response must hold.
pub fn one_byte(data: &[u8], what: &'static str) -> Result<u8, FrameError> {
    match data {
        [b] => Ok(*b),
        _ => Err(FrameError::BadPayload {
            what,
            len: data.len(),
        }),
    }
}

/// A little-endian u16 response.
pub fn two_bytes(data: &[u8], what: &'static str) -> Result<[u8; 2], FrameError> {
    match data {
        [a, b] => Ok([*a, *b]),
        _ => Err(FrameError::BadPayload {
            what,
            len: data.len(),
        }),
    }
}

/// A version string (lossy UTF-8: firmware strings are informational).
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unified_version_is_32_bytes_and_round_trips() {
        let v = UnifiedVersion {
            master: 0x0102_0304_0506_0708,
            bluetooth: ComponentVersion {
                api_major: 1,
                api_minor: 2,
                firmware_major: 3,
                firmware_minor: 4,
            },
            stm: ComponentVersion {
                api_major: 5,
                api_minor: 6,
                firmware_major: 7,
                firmware_minor: 8,
            },
            un20: ComponentVersion {
                api_major: 9,
                api_minor: 10,
                firmware_major: 11,
                firmware_minor: 12,
            },
        };
        let bytes = v.encode();
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..2], &[0x08, 0x07]);
        assert_eq!(UnifiedVersion::decode(&bytes), Ok(v));
        assert!(UnifiedVersion::decode(&bytes[..31]).is_err());
    }

    #[test]
    fn quality_feedback_lights_one_to_five_green_leds() {
        let lit = |q| {
            SmileLeds::for_quality(q)
                .0
                .iter()
                .filter(|l| **l == Led::GREEN)
                .count()
        };
        assert_eq!(
            [
                lit(0),
                lit(39),
                lit(40),
                lit(59),
                lit(60),
                lit(74),
                lit(75),
                lit(84),
                lit(85),
                lit(100)
            ],
            [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        assert_eq!(SmileLeds::waiting().encode()[..4], [0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            SmileLeds::decode(&SmileLeds::bad_scan().encode()),
            Ok(SmileLeds::bad_scan())
        );
    }

    #[test]
    fn image_crc_is_checked() {
        let sealed = seal_image(b"123456789");
        assert_eq!(&sealed[9..], &0xCBF4_3926u32.to_le_bytes());
        assert_eq!(open_image(&sealed), Ok(&b"123456789"[..]));
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert!(matches!(
            open_image(&bad),
            Err(FrameError::CrcMismatch { .. })
        ));
        assert!(matches!(
            open_image(&[1, 2]),
            Err(FrameError::Truncated { .. })
        ));
    }

    #[test]
    fn raw_image_size_must_match_its_pixels() {
        let image = RawImage {
            width: 3,
            height: 2,
            pixels: vec![1, 2, 3, 4, 5, 6],
        };
        assert_eq!(RawImage::decode(&image.encode()), Ok(image.clone()));
        let mut short = image.encode();
        short.pop();
        assert!(RawImage::decode(&short).is_err());
        assert!(RawImage::decode(&[0, 0]).is_err());
    }

    proptest! {
        #[test]
        fn payload_parsers_never_panic(data in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = UnifiedVersion::decode(&data);
            let _ = SmileLeds::decode(&data);
            let _ = RawImage::decode(&data);
            let _ = open_image(&data);
            let _ = one_byte(&data, "x");
            let _ = two_bytes(&data, "x");
            let _ = text(&data);
        }
    }
}
