//! FVC data sets on disk: which folders, at which resolution, which images, which pairs.

use std::path::{Component, Path, PathBuf};

use crate::error::HubError;

/// File extensions read as fingerprint images (case-insensitive); anything else is ignored.
pub const IMAGE_EXTENSIONS: [&str; 7] = ["tif", "tiff", "png", "bmp", "jpg", "jpeg", "wsq"];

/// Resolution assumed when nothing says otherwise.
pub const DEFAULT_DPI: u32 = 500;

/// Resolutions the core accepts.
pub const DPI_RANGE: std::ops::RangeInclusive<u32> = 250..=1000;

/// The FVC "B" sets under `../shared/data/fingerprints`, with their true resolution (the TIFF
/// headers carry none).
pub const DEFAULT_FOLDERS: [(&str, u32); 8] = [
    ("fvc2000/DB1_B", 500),
    ("fvc2000/DB2_B", 500),
    ("fvc2000/DB3_B", 500),
    ("fvc2000/DB4_B", 500),
    ("fvc2002/DB1_B", 500),
    ("fvc2002/DB2_B", 569),
    ("fvc2002/DB3_B", 500),
    ("fvc2002/DB4_B", 500),
];

/// Where the FVC data lives, relative to the current directory (run from the workspace root).
const DATA_FROM_CWD: &str = "../shared/data/fingerprints";

/// A folder to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Folder {
    /// The path read from disk (as given, or resolved for the built-in default).
    pub path: PathBuf,
    /// The name shown in reports: the path as given, or e.g. `fvc2000/DB1_B` by default.
    pub label: String,
    /// Resolution of every image in the folder.
    pub dpi: u32,
}

impl Folder {
    /// Folders sharing a parent form a group (`fvc2000`, `fvc2002`): its name and key.
    pub fn group(&self) -> (String, PathBuf) {
        let parent = normalize(Path::new(&self.label))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let name = parent
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| match parent.as_os_str().is_empty() {
                true => ".".to_string(),
                false => parent.display().to_string(),
            });
        (name, parent)
    }
}

/// Folders named on the command line, at the default resolution.
pub fn given_folders(paths: &[PathBuf]) -> Vec<Folder> {
    paths
        .iter()
        .map(|p| Folder {
            path: p.clone(),
            label: p.display().to_string(),
            dpi: DEFAULT_DPI,
        })
        .collect()
}

/// The eight built-in FVC folders, found from the current directory or, failing that, from
/// the workspace this program was built in.
pub fn default_folders() -> Result<Vec<Folder>, HubError> {
    let from_workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")))
        .join(DATA_FROM_CWD);
    DEFAULT_FOLDERS
        .iter()
        .map(|&(rel, dpi)| {
            let here = Path::new(DATA_FROM_CWD).join(rel);
            let there = from_workspace.join(rel);
            let path = if here.is_dir() {
                here
            } else if there.is_dir() {
                there.canonicalize().unwrap_or(there)
            } else {
                return Err(HubError::NoDefaultData {
                    folder: rel.to_string(),
                    tried: vec![here, there],
                });
            };
            Ok(Folder {
                path,
                label: rel.to_string(),
                dpi,
            })
        })
        .collect()
}

/// One `--dpi FOLDER=N` setting.
#[derive(Debug, Clone, PartialEq)]
pub struct DpiSetting {
    /// As typed, for messages.
    pub spec: String,
    pub folder: PathBuf,
    pub dpi: u32,
}

/// Parse a resolution `N` (250..=1000).
pub fn parse_dpi(s: &str) -> Result<u32, HubError> {
    let bad = || HubError::DpiSyntax {
        spec: s.to_string(),
        per_folder: false,
    };
    let dpi: u32 = s.trim().parse().map_err(|_| bad())?;
    if DPI_RANGE.contains(&dpi) {
        Ok(dpi)
    } else {
        Err(bad())
    }
}

/// Parse `FOLDER=N` (the last `=` separates, so folder names may contain `=`).
pub fn parse_dpi_setting(spec: &str) -> Result<DpiSetting, HubError> {
    let bad = || HubError::DpiSyntax {
        spec: spec.to_string(),
        per_folder: true,
    };
    let (folder, n) = spec.rsplit_once('=').ok_or_else(bad)?;
    let folder = normalize(Path::new(folder.trim()));
    if folder.as_os_str().is_empty() {
        return Err(bad());
    }
    let dpi = parse_dpi(n).map_err(|_| bad())?;
    Ok(DpiSetting {
        spec: spec.to_string(),
        folder,
        dpi,
    })
}

/// Apply `--dpi` settings: a setting applies to every folder whose path (as given or as
/// resolved) or label equals it or ends with its components; later settings win. A setting
/// that applies to no folder is an error (most likely a typo).
pub fn apply_dpi_settings(folders: &mut [Folder], settings: &[DpiSetting]) -> Result<(), HubError> {
    for s in settings {
        let mut used = false;
        for f in folders.iter_mut() {
            let names = [normalize(&f.path), normalize(Path::new(&f.label))];
            if names.iter().any(|n| n.ends_with(&s.folder)) {
                f.dpi = s.dpi;
                used = true;
            }
        }
        if !used {
            return Err(HubError::DpiUnmatched {
                spec: s.spec.clone(),
            });
        }
    }
    Ok(())
}

/// A path without `.` components or a trailing separator, for comparing.
fn normalize(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// What a file name says.
#[derive(Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `{finger}_{impression}.{image extension}`.
    Image { finger: String, impression: String },
    /// An image extension, but not named `{finger}_{impression}`.
    BadName,
    /// Not an image (`.iso` templates, notes, hidden files): ignored.
    Other,
}

/// Extensions of minutiae templates `eval --templates` reads (ISO/IEC 19794-2:2005 or 2011,
/// ANSI/INCITS 378-2004: the header says which).
pub const TEMPLATE_EXTENSIONS: [&str; 1] = ["iso"];

/// Classify a file name as an image.
#[cfg(test)]
pub fn classify(file_name: &str) -> FileKind {
    classify_as(file_name, &IMAGE_EXTENSIONS)
}

/// Classify a file name, counting files with one of `extensions` as inputs.
pub fn classify_as(file_name: &str, extensions: &[&str]) -> FileKind {
    let Some((stem, ext)) = file_name.rsplit_once('.') else {
        return FileKind::Other;
    };
    if stem.is_empty() || !extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)) {
        return FileKind::Other;
    }
    match stem.split_once('_') {
        Some((finger, impression)) if !finger.is_empty() && !impression.is_empty() => {
            FileKind::Image {
                finger: finger.to_string(),
                impression: impression.to_string(),
            }
        }
        _ => FileKind::BadName,
    }
}

/// One image of a folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFile {
    /// Folder joined with the file name.
    pub path: PathBuf,
    pub finger: String,
    pub dpi: u32,
}

/// The images of a folder in sorted file-name order, and the names skipped as badly formed.
#[cfg(test)]
pub fn list_images(folder: &Folder) -> Result<(Vec<ImageFile>, Vec<String>), HubError> {
    list_files(folder, &IMAGE_EXTENSIONS)
}

/// The input files (those with one of `extensions`) of a folder in sorted file-name order,
/// and the names skipped as badly formed.
pub fn list_files(folder: &Folder, extensions: &[&str]) -> Result<(Vec<ImageFile>, Vec<String>), HubError> {
    if !folder.path.exists() {
        return Err(HubError::NoFolder {
            path: folder.path.clone(),
        });
    }
    if !folder.path.is_dir() {
        return Err(HubError::NotAFolder {
            path: folder.path.clone(),
        });
    }
    let entries = std::fs::read_dir(&folder.path).map_err(|e| HubError::read(&folder.path, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| HubError::read(&folder.path, e))?;
        if entry.path().is_dir() {
            continue;
        }
        // Names that are not valid UTF-8 cannot follow the FVC pattern.
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_string());
        }
    }
    names.sort();
    let mut images = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        match classify_as(&name, extensions) {
            FileKind::Image { finger, .. } => images.push(ImageFile {
                path: folder.path.join(&name),
                finger,
                dpi: folder.dpi,
            }),
            FileKind::BadName => skipped.push(name),
            FileKind::Other => {}
        }
    }
    if images.is_empty() {
        return Err(HubError::NoImages {
            path: folder.path.clone(),
        });
    }
    Ok((images, skipped))
}

/// One comparison: indices into the folder's sorted image list, `first < second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub first: usize,
    pub second: usize,
    pub genuine: bool,
}

/// Every unordered pair of images, once, in sorted order: genuine when both show the same
/// finger, impostor otherwise.
pub fn pairs<S: AsRef<str>>(fingers: &[S]) -> Vec<Pair> {
    let n = fingers.len();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for first in 0..n {
        for second in first + 1..n {
            let genuine = fingers[first].as_ref() == fingers[second].as_ref();
            out.push(Pair {
                first,
                second,
                genuine,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_mode_counts_iso_files_and_ignores_images() {
        assert!(matches!(classify_as("101_1.iso", &TEMPLATE_EXTENSIONS), FileKind::Image { .. }));
        assert_eq!(classify_as("101_1.tif", &TEMPLATE_EXTENSIONS), FileKind::Other);
        assert_eq!(classify_as("101.iso", &TEMPLATE_EXTENSIONS), FileKind::BadName);
        assert_eq!(classify("101_1.iso"), FileKind::Other);
    }

    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            classify("101_1.tif"),
            FileKind::Image {
                finger: "101".into(),
                impression: "1".into()
            }
        );
        assert_eq!(
            classify("f3_2.PNG"),
            FileKind::Image {
                finger: "f3".into(),
                impression: "2".into()
            }
        );
        for ext in ["tiff", "bmp", "jpg", "jpeg", "TIF"] {
            assert!(
                matches!(classify(&format!("7_8.{ext}")), FileKind::Image { .. }),
                "{ext}"
            );
        }
        // The finger id is the part before the first underscore.
        assert_eq!(
            classify("a_b_c.bmp"),
            FileKind::Image {
                finger: "a".into(),
                impression: "b_c".into()
            }
        );
        assert_eq!(classify("101_1.iso"), FileKind::Other);
        assert_eq!(classify("README.md"), FileKind::Other);
        assert_eq!(classify("Thumbs"), FileKind::Other);
        assert_eq!(classify(".tif"), FileKind::Other);
        assert_eq!(classify("101.tif"), FileKind::BadName);
        assert_eq!(classify("_1.tif"), FileKind::BadName);
        assert_eq!(classify("101_.tif"), FileKind::BadName);
    }

    #[test]
    fn fvc_b_set_has_280_genuine_and_2880_impostor_pairs() {
        let mut names: Vec<String> = Vec::new();
        for finger in 101..=110 {
            for impression in 1..=8 {
                names.push(format!("{finger}_{impression}.tif"));
            }
        }
        names.sort();
        let fingers: Vec<String> = names
            .iter()
            .map(|n| match classify(n) {
                FileKind::Image { finger, .. } => finger,
                other => panic!("{n}: {other:?}"),
            })
            .collect();
        let p = pairs(&fingers);
        assert_eq!(p.iter().filter(|p| p.genuine).count(), 280);
        assert_eq!(p.iter().filter(|p| !p.genuine).count(), 2880);
        assert!(p.iter().all(|p| p.first < p.second));
        // Each unordered pair appears once.
        let mut seen = std::collections::HashSet::new();
        assert!(p.iter().all(|p| seen.insert((p.first, p.second))));
        // Genuine exactly when the finger ids agree.
        assert!(p
            .iter()
            .all(|q| q.genuine == (fingers[q.first] == fingers[q.second])));
    }

    #[test]
    fn small_pairings() {
        assert!(pairs::<&str>(&[]).is_empty());
        assert!(pairs(&["1"]).is_empty());
        let p = pairs(&["1", "1", "2"]);
        assert_eq!(
            p,
            vec![
                Pair {
                    first: 0,
                    second: 1,
                    genuine: true
                },
                Pair {
                    first: 0,
                    second: 2,
                    genuine: false
                },
                Pair {
                    first: 1,
                    second: 2,
                    genuine: false
                },
            ]
        );
    }

    fn folder(path: &str, label: &str) -> Folder {
        Folder {
            path: path.into(),
            label: label.into(),
            dpi: DEFAULT_DPI,
        }
    }

    #[test]
    fn dpi_settings() {
        assert_eq!(parse_dpi("569").unwrap(), 569);
        assert!(parse_dpi("abc").is_err());
        assert!(parse_dpi("100").is_err());
        assert!(parse_dpi("").is_err());
        let s = parse_dpi_setting("fvc2002/DB2_B=569").unwrap();
        assert_eq!(
            (s.folder.as_path(), s.dpi),
            (Path::new("fvc2002/DB2_B"), 569)
        );
        assert_eq!(
            parse_dpi_setting("./x/=600").unwrap().folder,
            PathBuf::from("x")
        );
        for bad in ["fvc2002/DB2_B", "=569", "x=", "x=abc", "x=5000", "x=-1"] {
            assert!(
                matches!(parse_dpi_setting(bad), Err(HubError::DpiSyntax { .. })),
                "{bad}"
            );
        }

        let mut folders = vec![
            folder("../shared/data/fingerprints/fvc2000/DB2_B", "fvc2000/DB2_B"),
            folder("../shared/data/fingerprints/fvc2002/DB2_B", "fvc2002/DB2_B"),
            folder("data/DB2_Bx", "data/DB2_Bx"),
        ];
        apply_dpi_settings(
            &mut folders,
            &[parse_dpi_setting("fvc2002/DB2_B=569").unwrap()],
        )
        .unwrap();
        assert_eq!(
            folders.iter().map(|f| f.dpi).collect::<Vec<_>>(),
            [500, 569, 500]
        );
        // Whole components only; a trailing slash is fine; later settings win.
        apply_dpi_settings(
            &mut folders,
            &[
                parse_dpi_setting("DB2_B/=600").unwrap(),
                parse_dpi_setting("fvc2000/DB2_B=510").unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(
            folders.iter().map(|f| f.dpi).collect::<Vec<_>>(),
            [510, 600, 500]
        );
        // The full path as given matches too.
        apply_dpi_settings(
            &mut folders,
            &[parse_dpi_setting("./data/DB2_Bx=700").unwrap()],
        )
        .unwrap();
        assert_eq!(folders[2].dpi, 700);
        assert!(matches!(
            apply_dpi_settings(&mut folders, &[parse_dpi_setting("B2_B=600").unwrap()]),
            Err(HubError::DpiUnmatched { .. })
        ));
    }

    #[test]
    fn groups_by_parent() {
        assert_eq!(
            folder("x/fvc2000/DB1_B", "fvc2000/DB1_B").group().0,
            "fvc2000"
        );
        assert_eq!(folder("a/b/", "a/b/").group().0, "a");
        assert_eq!(folder("DB1_B", "DB1_B").group().0, ".");
    }

    #[test]
    fn listing_a_folder() {
        let dir = std::env::temp_dir().join(format!("jatigi-fvc-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub_1.tif")).unwrap();
        for name in [
            "102_1.tif",
            "101_2.tif",
            "101_1.tif",
            "101_1.iso",
            "notes.txt",
            "bad.png",
        ] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let f = Folder {
            path: dir.clone(),
            label: "t".into(),
            dpi: 569,
        };
        let (images, skipped) = list_images(&f).unwrap();
        let names: Vec<_> = images
            .iter()
            .map(|i| i.path.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["101_1.tif", "101_2.tif", "102_1.tif"]);
        assert!(images
            .iter()
            .all(|i| i.dpi == 569 && i.path.starts_with(&dir)));
        assert_eq!(skipped, ["bad.png"]);

        let empty = Folder {
            path: dir.join("sub_1.tif"),
            label: "e".into(),
            dpi: 500,
        };
        assert!(matches!(
            list_images(&empty),
            Err(HubError::NoImages { .. })
        ));
        let file = Folder {
            path: dir.join("101_1.tif"),
            label: "f".into(),
            dpi: 500,
        };
        assert!(matches!(
            list_images(&file),
            Err(HubError::NotAFolder { .. })
        ));
        let missing = Folder {
            path: dir.join("nope"),
            label: "m".into(),
            dpi: 500,
        };
        assert!(matches!(
            list_images(&missing),
            Err(HubError::NoFolder { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
