//! Placement and cost (stub while the catalog lands).
