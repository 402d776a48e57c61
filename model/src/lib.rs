//! Stateright model of the composed rules (filled in by the model-checking issue).
