//! Encrypted storage: SQLite (rusqlite, bundled) with values sealed by AES-256-GCM (ring). (issue 3, under construction)
