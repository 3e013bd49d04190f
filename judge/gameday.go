package judge

import "strings"

// GameDayPrefix starts the name of every service a game day creates
// (gameday-RUN-SCENARIO). Such services are drills: their automatic
// rollbacks never count toward the fleet rollback cap of any other
// service, and the decision metrics leave them out, so a game day against
// a shared server cannot change what happens to a real release.
const GameDayPrefix = "gameday-"

// IsGameDay reports whether service is a game day's drill service.
func IsGameDay(service string) bool { return strings.HasPrefix(service, GameDayPrefix) }
