// Exemplars module.
