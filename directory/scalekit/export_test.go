package scalekit

// KeptFromRead lets the external tests read a page often enough for it to keep its decoding.
const KeptFromRead = keptFromRead
