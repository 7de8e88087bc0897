//go:build race

package api_test

// raceEnabled: the race detector slows the server several times over, so
// tests that race a wall-clock deadline give it more room.
const raceEnabled = true
