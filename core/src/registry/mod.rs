//! The household registry: data model, enrollment workflow, duplicate check, audit log. (issue 3, under construction)
