package gatewright.required_probes

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, null, "set")} if {
	not common.is_delete
	some probe in object.get(input, ["parameters", "probes"], [])
	some entry in common.containers
	can_have_probes(entry)
	object.get(entry.container, probe, null) == null
	field := sprintf("%s.%s", [common.path(entry), probe])
	msg := message.format_rule(common.container_subject(entry), field, null, "must be set")
}

can_have_probes(entry) if entry.field == "containers"

# Sidecar containers are init containers that keep running.
can_have_probes(entry) if {
	entry.field == "initContainers"
	entry.container.restartPolicy == "Always"
}
