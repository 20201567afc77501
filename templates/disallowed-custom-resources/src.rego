package gatewright.disallowed_custom_resources

import data.lib.common
import data.lib.message
import data.lib.resource_requests

violation contains {"msg": msg, "details": message.details(m.field, m.resource, {"disallowedPattern": m.pattern})} if {
	not common.is_delete
	patterns := object.get(input, ["parameters", "resourcePatterns"], [])
	some entry in common.containers
	some m in resource_requests.matching(entry, patterns)
	rule := sprintf("resources matching %s are not allowed", [m.pattern])
	msg := message.format_rule(common.container_subject(entry), m.field, m.resource, rule)
}
