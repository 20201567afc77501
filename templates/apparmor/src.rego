package gatewright.apparmor

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message

allowed_profiles := object.get(input, ["parameters", "allowedProfiles"], [])

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# Dotted path of the pod's metadata ("metadata", or "spec.template.metadata" for a workload).
metadata_prefix := "metadata" if common.kind == "Pod"

else := concat(".", array.concat(array.slice(common.spec_path, 0, count(common.spec_path) - 1), ["metadata"]))

violation contains {"msg": msg, "details": message.details(found.field, found.profile, allowed_profiles)} if {
	not common.is_delete
	some entry in common.containers
	found := profile(entry)
	not glob.matches_any(allowed_profiles, found.profile)
	not glob.matches_any(exception.allowed(exception.for_container(entry), ["securityContext", "appArmorProfile", "allowedValues"], []), found.profile)
	msg := message.format(common.container_subject(entry), found.field, found.shown, allowed_profiles)
}

# The profile a container runs with and the field it comes from, in order of precedence.
profile(entry) := found if {
	field_value := entry.container.securityContext.appArmorProfile
	found := from_field(field_value, sprintf("%s.securityContext.appArmorProfile", [common.path(entry)]))
} else := found if {
	key := concat("", [annotation_prefix, entry.container.name])
	value := common.pod_annotations[key]
	value != ""
	found := {"profile": value, "shown": value, "field": sprintf("%s.annotations[%q]", [metadata_prefix, key])}
} else := found if {
	field_value := common.pod_spec.securityContext.appArmorProfile
	found := from_field(field_value, sprintf("%s.securityContext.appArmorProfile", [common.spec_prefix]))
} else := {
	"profile": "runtime/default",
	"shown": "unset (runtime/default)",
	"field": sprintf("%s.securityContext.appArmorProfile", [common.path(entry)]),
}

from_field(value, field) := {"profile": name, "shown": name, "field": sprintf("%s.type", [field])} if {
	name := field_profile(value)
}

field_profile(value) := "runtime/default" if value.type == "RuntimeDefault"

else := "unconfined" if value.type == "Unconfined"

else := concat("", ["localhost/", object.get(value, "localhostProfile", "")]) if value.type == "Localhost"

else := sprintf("%v", [object.get(value, "type", "")])
