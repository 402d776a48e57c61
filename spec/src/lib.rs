//! cxspec-spec
