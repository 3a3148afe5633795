//! The device file (`jatigi-device/1`): what a tablet hands to the data manager so that the
//! hub accepts its packets (`jatigi hub add-device`). Public facts only: the device id, the
//! tablet's Ed25519 public key and the programme key it encrypts to (checked against the
//! hub's, so that a tablet provisioned for another programme is refused at registration
//! rather than at its first packet). JSON, so a person can read it; docs/formats/packet.md.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::keys::{to_hex, DevicePublicKey, KeyError, ProgrammePublicKey};

/// Format name written in every device file.
pub const DEVICE_FILE_FORMAT: &str = "jatigi-device/1";

/// Largest device file read: a real one is about 200 bytes.
pub const MAX_DEVICE_FILE_BYTES: usize = 64 * 1024;

/// A tablet's device file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFile {
    pub format: String,
    pub device: String,
    /// Ed25519 public key, hexadecimal.
    pub public_key: String,
    /// The programme key the tablet encrypts to, hexadecimal.
    pub programme_key: String,
}

/// Why a device file was refused.
#[derive(Debug, Error)]
pub enum DeviceFileError {
    #[error("larger than a device file can be")]
    TooLarge,
    #[error("not a device file: {0}")]
    Json(String),
    #[error("format {0:?}, expected {DEVICE_FILE_FORMAT:?}")]
    Format(String),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the tablet was provisioned with another programme key: its packets could not be read here")]
    OtherProgramme,
}

impl DeviceFile {
    /// The device file of `device`, whose public key is `public`, provisioned for `programme`.
    pub fn new(device: &str, public: &DevicePublicKey, programme: &ProgrammePublicKey) -> DeviceFile {
        DeviceFile {
            format: DEVICE_FILE_FORMAT.to_string(),
            device: device.to_string(),
            public_key: to_hex(&public.0),
            programme_key: to_hex(&programme.0),
        }
    }

    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        // Four string fields: serialising cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Read a device file and check it was made for `programme`; returns the device id and
    /// its public key.
    pub fn parse(text: &str, programme: &ProgrammePublicKey) -> Result<(String, DevicePublicKey), DeviceFileError> {
        if text.len() > MAX_DEVICE_FILE_BYTES {
            return Err(DeviceFileError::TooLarge);
        }
        let file: DeviceFile = serde_json::from_str(text).map_err(|e| DeviceFileError::Json(e.to_string()))?;
        if file.format != DEVICE_FILE_FORMAT {
            return Err(DeviceFileError::Format(file.format));
        }
        let key = DevicePublicKey::from_hex(&file.public_key)?;
        if ProgrammePublicKey::from_hex(&file.programme_key)? != *programme {
            return Err(DeviceFileError::OtherProgramme);
        }
        Ok((file.device, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_file_reads_back_and_only_for_its_programme() {
        let (device, programme, other) = (DevicePublicKey([7; 32]), ProgrammePublicKey([9; 32]), ProgrammePublicKey([1; 32]));
        let text = DeviceFile::new("TAB-GAO-07", &device, &programme).to_json();
        assert!(text.contains("\"format\": \"jatigi-device/1\""), "{text}");
        let (id, key) = DeviceFile::parse(&text, &programme).unwrap();
        assert_eq!((id.as_str(), key), ("TAB-GAO-07", device));
        assert!(matches!(DeviceFile::parse(&text, &other), Err(DeviceFileError::OtherProgramme)));
        assert!(matches!(DeviceFile::parse(&text.replace("device/1", "device/2"), &programme), Err(DeviceFileError::Format(_))));
        assert!(matches!(DeviceFile::parse("{", &programme), Err(DeviceFileError::Json(_))));
        assert!(matches!(DeviceFile::parse(&" ".repeat(MAX_DEVICE_FILE_BYTES + 1), &programme), Err(DeviceFileError::TooLarge)));
        let bad_key = text.replace(&to_hex(&device.0), "zz");
        assert!(matches!(DeviceFile::parse(&bad_key, &programme), Err(DeviceFileError::Key(_))));
    }
}
