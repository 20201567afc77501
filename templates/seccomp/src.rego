package gatewright.seccomp

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message

allowed_profiles := object.get(input, ["parameters", "allowedProfiles"], [])

allowed_files := object.get(input, ["parameters", "allowedLocalhostFiles"], [])

pod_annotation := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_prefix := "container.seccomp.security.alpha.kubernetes.io/"

# Where the pod's annotations sit: "metadata" for a Pod, "spec.template.metadata" for a Deployment, ...
metadata_prefix := "metadata" if {
	common.kind == "Pod"
} else := concat(".", array.concat(array.slice(common.spec_path, 0, count(common.spec_path) - 1), ["metadata"]))

# The profile of a seccompProfile field in annotation form: "RuntimeDefault", "Unconfined" or "localhost/<file>".
field_profile(sp) := concat("", ["localhost/", object.get(sp, "localhostProfile", "")]) if {
	sp.type == "Localhost"
} else := sp.type

# The profile that applies to a container and where it comes from, in DVP's order of precedence.
# value is null when no source sets one.
profile(entry) := {"value": field_profile(sp), "field": sprintf("%s.securityContext.seccompProfile", [entry.path])} if {
	sp := entry.container.securityContext.seccompProfile
	is_string(sp.type)
} else := {"value": field_profile(sp), "field": sprintf("%s.securityContext.seccompProfile", [common.spec_prefix])} if {
	sp := common.pod_spec.securityContext.seccompProfile
	is_string(sp.type)
} else := {"value": v, "field": sprintf("%s.annotations[%q]", [metadata_prefix, name])} if {
	name := concat("", [container_annotation_prefix, entry.container.name])
	v := common.pod_annotations[name]
} else := {"value": v, "field": sprintf("%s.annotations[%q]", [metadata_prefix, pod_annotation])} if {
	v := common.pod_annotations[pod_annotation]
} else := {"value": null, "field": sprintf("%s.securityContext.seccompProfile", [entry.path])}

synonyms := {
	"RuntimeDefault": "runtime/default",
	"runtime/default": "runtime/default",
	"docker/default": "runtime/default",
	"Unconfined": "unconfined",
	"unconfined": "unconfined",
	"Localhost": "localhost",
	"": "undefined",
	"undefined": "undefined",
}

# One spelling per profile: runtime/default, unconfined, localhost (bare, allow-lists only), localhost/<file>,
# undefined; anything else stays as written.
canonical(p) := c if {
	c := synonyms[p]
} else := p

# Whether a profile list (allowedProfiles, or an exception's allowedValues) admits the actual profile.
admits(profiles, _, _) if "*" in profiles

admits(profiles, actual, _) if {
	some p in profiles
	canonical(p) == actual
}

admits(profiles, actual, files) if {
	startswith(actual, "localhost/")
	some p in profiles
	canonical(p) == "localhost"
	glob.matches_any(files, substring(actual, count("localhost/"), -1))
}

admits(profiles, actual, _) if {
	startswith(actual, "localhost/")
	some p in profiles
	startswith(p, "localhost/")
	glob.matches(p, actual)
}

canonical_value(null) := "undefined"

canonical_value(v) := canonical(v) if v != null

# PSA restricted (1.25+) does not require a profile on Windows pods, which cannot set one.
exempt if {
	common.is_windows_pod
	not admits(allowed_profiles, "undefined", allowed_files)
}

rule_text(actual) := sprintf("allowed: %s with allowedLocalhostFiles %s", [message.show(allowed_profiles), message.show(allowed_files)]) if {
	startswith(actual, "localhost/")
} else := sprintf("allowed: %s", [message.show(allowed_profiles)])

violation contains {"msg": msg, "details": message.details(p.field, p.value, {"allowedProfiles": allowed_profiles, "allowedLocalhostFiles": allowed_files})} if {
	not common.is_delete
	not exempt
	some entry in common.containers
	p := profile(entry)
	actual := canonical_value(p.value)
	not admits(allowed_profiles, actual, allowed_files)
	# An exception's "Localhost" admits any local file: it names no file list of its own.
	not admits(exception.allowed(exception.for_container(entry), ["securityContext", "seccompProfile", "allowedValues"], []), actual, ["*"])
	msg := message.format_rule(common.container_subject(entry), p.field, p.value, rule_text(actual))
}
