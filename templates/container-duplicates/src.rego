package gatewright.container_duplicates

import data.lib.common
import data.lib.message

# Two containers (of any of the three lists) with one name.
violation contains {"msg": msg, "details": message.details(field, name, "a unique container name")} if {
	not common.is_delete
	some entry in common.containers
	name := entry.container.name
	others := sort([common.path(o) | some o in common.containers; o.container.name == name; o != entry])
	count(others) > 0
	field := sprintf("%s.name", [common.path(entry)])
	rule := sprintf("also used by %s; container names must be unique", [concat(", ", others)])
	msg := message.format_rule(common.object_ref, field, name, rule)
}

# One environment variable name set twice in a container's env.
violation contains {"msg": msg, "details": message.details(field, name, "a unique environment variable name")} if {
	not common.is_delete
	some entry in common.containers
	env := object.get(entry.container, "env", [])
	some i, var in env
	name := var.name
	others := [sprintf("env[%d]", [j]) | some j, other in env; j != i; other.name == name]
	count(others) > 0
	field := sprintf("%s.env[%d].name", [common.path(entry), i])
	rule := sprintf("also set by %s; environment variable names must be unique", [concat(", ", others)])
	msg := message.format_rule(common.container_subject(entry), field, name, rule)
}
