"""The cell types, synapse types and (later) current sources this backend offers."""
