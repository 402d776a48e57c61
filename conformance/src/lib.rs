//! Conformance vectors and runner (filled in by the conformance issue).
