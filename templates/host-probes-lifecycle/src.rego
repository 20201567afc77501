package gatewright.host_probes_lifecycle

import data.lib.common
import data.lib.message

# Where a container can name a host for the kubelet to connect to.
handlers := [
	["livenessProbe"],
	["readinessProbe"],
	["startupProbe"],
	["lifecycle", "postStart"],
	["lifecycle", "preStop"],
]

violation contains {"msg": msg, "details": message.details(field, host, "")} if {
	not common.is_delete
	some entry in common.containers
	some handler in handlers
	some action in ["httpGet", "tcpSocket"]
	host := object.get(entry.container, array.concat(handler, [action, "host"]), "")
	host != ""
	field := concat(".", [common.path(entry), concat(".", handler), action, "host"])
	msg := message.format_rule(common.container_subject(entry), field, host, "must be unset (the kubelet connects to the pod IP)")
}
