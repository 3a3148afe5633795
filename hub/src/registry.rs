//! `jatigi audit verify` and `jatigi registry info`: a hub's registry file, opened with the
//! passphrase from an environment variable.

use std::io::Write;
use std::path::{Path, PathBuf};

use jatigi_core::registry::repository::{Registry, RegistryError};

use crate::cli::StoreArgs;
use crate::error::HubError;
use crate::text::{thousands_en, thousands_fr};

/// Opens the registry with the passphrase read from `args.passphrase_env`.
fn open(args: &StoreArgs) -> Result<Registry, HubError> {
    let passphrase = std::env::var(&args.passphrase_env)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| HubError::PassphraseMissing { var: args.passphrase_env.clone() })?;
    Registry::open_with_passphrase(&args.store, &passphrase).map_err(|source| registry_error(&args.store, source))
}

fn registry_error(path: &Path, source: RegistryError) -> HubError {
    HubError::Registry { path: path.to_path_buf(), source }
}

/// `jatigi audit verify`: OK with the entry count, or the first broken link as an error
/// (which ends the program with a non-zero exit code).
pub fn audit_verify(args: &StoreArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let registry = open(args)?;
    verify(&registry, &args.store, out)
}

/// Verifies the audit chain of an open registry and reports on `out`.
pub fn verify(registry: &Registry, path: &Path, out: &mut dyn Write) -> Result<(), HubError> {
    match registry.verify_audit() {
        Ok(Ok(head)) => {
            let entries = head.next_seq.saturating_sub(1);
            writeln!(
                out,
                "OK: audit log intact: {} entries, every link verified, the last one matches the sealed head",
                thousands_en(entries)
            )?;
            writeln!(
                out,
                "OK : journal d'audit intact : {} entrées, tous les liens vérifiés, la dernière correspond à la tête scellée",
                thousands_fr(entries)
            )?;
            Ok(())
        }
        Ok(Err(broken)) => Err(HubError::AuditBroken { seq: broken.first_bad_seq, reason: broken.reason }),
        Err(RegistryError::AuditTruncated) => Err(HubError::AuditTruncated),
        Err(source) => Err(registry_error(path, source)),
    }
}

/// `jatigi registry info`: key protection, schema, counts and file sizes.
pub fn info(args: &StoreArgs, out: &mut dyn Write) -> Result<(), HubError> {
    let registry = open(args)?;
    let path = &args.store;
    let store = registry.store();
    let facts = store.info().map_err(|e| registry_error(path, e.into()))?;
    let count = |sql: &str| -> Result<u64, HubError> {
        store
            .conn()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| registry_error(path, RegistryError::from(e)))
    };
    let households = count("SELECT COUNT(*) FROM households")?;
    let members = count("SELECT COUNT(*) FROM members")?;
    let enrolled = count("SELECT COUNT(DISTINCT member) FROM captures WHERE template IS NOT NULL")?;
    let templates = count("SELECT COUNT(*) FROM captures WHERE template IS NOT NULL")?;
    let exceptions = count("SELECT COUNT(*) FROM captures WHERE exception IS NOT NULL")?;
    let operators = count("SELECT COUNT(*) FROM operators")?;
    let audit = count("SELECT COUNT(*) FROM audit")?;

    let both = |out: &mut dyn Write, en: String, fr: String| -> Result<(), HubError> {
        writeln!(out, "  {en}")?;
        writeln!(out, "    {fr}")?;
        Ok(())
    };
    writeln!(out, "registry / registre {}", path.display())?;
    let (protection_en, protection_fr) = match &facts.passphrase {
        Some(p) => (
            format!("passphrase, PBKDF2-HMAC-SHA256 with {} iterations", thousands_en(u64::from(p.iterations))),
            format!("phrase secrète, PBKDF2-HMAC-SHA256 à {} itérations", thousands_fr(u64::from(p.iterations))),
        ),
        None => (facts.provider_id.clone(), facts.provider_id.clone()),
    };
    both(out, format!("key protection: {protection_en}"), format!("protection de la clé : {protection_fr}"))?;
    let rotated = facts.key_rotated_at.clone();
    both(
        out,
        format!("created {}, key last changed {}", facts.created_at, rotated.clone().unwrap_or_else(|| "never".into())),
        format!("créé le {}, clé changée pour la dernière fois {}", facts.created_at, rotated.unwrap_or_else(|| "jamais".into())),
    )?;
    both(out, format!("schema version {}", facts.schema_version), format!("version du schéma {}", facts.schema_version))?;
    both(
        out,
        format!("{} households, {} members, {} with fingerprints", thousands_en(households), thousands_en(members), thousands_en(enrolled)),
        format!("{} ménages, {} membres, dont {} avec empreintes", thousands_fr(households), thousands_fr(members), thousands_fr(enrolled)),
    )?;
    both(
        out,
        format!("{} finger templates, {} recorded exceptions", thousands_en(templates), thousands_en(exceptions)),
        format!("{} gabarits de doigts, {} exceptions enregistrées", thousands_fr(templates), thousands_fr(exceptions)),
    )?;
    both(
        out,
        format!("{} operators, {} audit log entries", thousands_en(operators), thousands_en(audit)),
        format!("{} agents, {} entrées du journal d'audit", thousands_fr(operators), thousands_fr(audit)),
    )?;
    let sizes: Vec<(String, u64)> = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            let len = std::fs::metadata(&p).ok()?.len();
            Some((p.file_name()?.to_string_lossy().into_owned(), len))
        })
        .collect();
    let en: Vec<String> = sizes.iter().map(|(n, l)| format!("{n} {} bytes", thousands_en(*l))).collect();
    let fr: Vec<String> = sizes.iter().map(|(n, l)| format!("{n} {} octets", thousands_fr(*l))).collect();
    both(out, format!("files: {}", en.join(", ")), format!("fichiers : {}", fr.join(", ")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jatigi_core::registry::synthetic;
    use jatigi_core::registry::{AuditAction, OperatorId, Timestamp};
    use jatigi_core::store::StaticKeyProvider;

    /// A throw-away folder, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let dir = std::env::temp_dir().join(format!("jatigi-hub-{name}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temporary folder");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn audit_verify_finds_one_altered_row_among_ten_thousand() {
        let dir = TempDir::new("audit");
        let path = dir.0.join("registry.db");
        let registry = Registry::create(&path, &StaticKeyProvider::new([1; 32])).expect("create");
        let op = OperatorId::new("SUP-0001").expect("id");
        let at = Timestamp(1_748_772_000);
        // One transaction per entry; without waiting for the disk at each commit, which
        // changes nothing in what is written and keeps the test fast on a busy disk.
        registry.store().conn().execute_batch("PRAGMA synchronous = OFF").expect("pragma");
        for i in 0..10_000i64 {
            let subject = synthetic::household(i as u64 % 20, at, 0).id.to_string();
            registry.audit(Timestamp(at.0 + i), &op, AuditAction::CardIssued, &subject, "copies=1").expect("audit");
        }
        let mut out = Vec::new();
        verify(&registry, &path, &mut out).expect("intact");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("OK: audit log intact: 10,000 entries"), "{text}");
        assert!(text.contains("10 000 entrées"), "{text}");

        let conn = registry.store().conn();
        let seq = 6_173i64;
        let mut entry: Vec<u8> = conn.query_row("SELECT entry FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).expect("row");
        let middle = entry.len() / 2;
        entry[middle] ^= 0x20;
        conn.execute("UPDATE audit SET entry = ?1 WHERE seq = ?2", (entry, seq)).expect("alter");
        let err = verify(&registry, &path, &mut Vec::new()).expect_err("broken");
        assert!(matches!(err, HubError::AuditBroken { seq: 6_173, .. }), "{err:?}");
        assert!(err.to_string().starts_with("audit log broken at entry 6173: "), "{err}");
        assert!(err.french().starts_with("journal d'audit rompu à l'entrée 6173 : "), "{}", err.french());

        conn.execute("DELETE FROM audit WHERE seq >= 6173", []).expect("truncate");
        let err = verify(&registry, &path, &mut Vec::new()).expect_err("truncated");
        assert!(matches!(err, HubError::AuditTruncated), "{err:?}");
        assert!(!err.french().is_empty());
    }

    #[test]
    fn a_missing_passphrase_variable_or_a_wrong_passphrase_is_a_clear_error() {
        let dir = TempDir::new("pass");
        let path = dir.0.join("registry.db");
        drop(Registry::create_with_passphrase(&path, "correct horse battery staple").expect("create"));
        let args = StoreArgs { store: path.clone(), passphrase_env: "JATIGI_TEST_PASSPHRASE_NEVER_SET".into() };
        assert!(matches!(audit_verify(&args, &mut Vec::new()), Err(HubError::PassphraseMissing { .. })));
        // PATH is always set, and never the passphrase.
        let args = StoreArgs { store: path.clone(), passphrase_env: "PATH".into() };
        let err = audit_verify(&args, &mut Vec::new()).expect_err("wrong passphrase");
        assert!(err.french().contains("phrase secrète ou clé incorrecte"), "{}", err.french());
        // The right passphrase, from the variable named.
        std::env::set_var("JATIGI_TEST_PASSPHRASE_HUB_INFO", "correct horse battery staple");
        let args = StoreArgs { store: path.clone(), passphrase_env: "JATIGI_TEST_PASSPHRASE_HUB_INFO".into() };
        let mut out = Vec::new();
        audit_verify(&args, &mut out).expect("verifies");
        info(&args, &mut out).expect("info");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("OK: audit log intact: 0 entries"), "{text}");
        assert!(text.contains("PBKDF2-HMAC-SHA256 with 600,000 iterations"), "{text}");
        assert!(text.contains("0 households, 0 members"), "{text}");
        let args = StoreArgs { store: dir.0.join("nothing.db"), passphrase_env: "PATH".into() };
        let err = info(&args, &mut Vec::new()).expect_err("no file");
        assert!(err.french().contains("aucune base de données"), "{}", err.french());
    }
}
