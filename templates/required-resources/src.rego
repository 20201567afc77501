package gatewright.required_resources

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, null, "set")} if {
	not common.is_delete
	some kind in ["limits", "requests"]
	some resource in object.get(input, ["parameters", kind], [])
	some entry in common.containers
	entry.field != "ephemeralContainers"
	object.get(entry.container, ["resources", kind, resource], null) == null
	field := sprintf("%s.resources.%s.%s", [common.path(entry), kind, resource])
	msg := message.format_rule(common.container_subject(entry), field, null, "must be set")
}
