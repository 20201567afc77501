package gatewright.verify_image_signatures

import data.lib.common
import data.lib.image

# The Provider the compiler emits next to this template (gatewright's image signature provider).
provider := "gatewright-image-signatures"

# An image is covered by a reference when it equals it, or, for a reference ending in a single "*", starts with what
# precedes the "*" (DVP: "^" + reference with "*" as ".*" + "$"). The image is compared as written and in its
# normalised form (docker.io/library/..., explicit tag), so "nginx:1" is covered by "docker.io/library/nginx:*".
covers(reference, img) if {
	not endswith(reference, "*")
	some form in forms(img)
	form == reference
}

covers(reference, img) if {
	endswith(reference, "*")
	some form in forms(img)
	startswith(form, trim_suffix(reference, "*"))
}

forms(img) := {img, image.parse(img).normalized}

# One check per (container, matching reference); the request key carries the reference's keys, CA and sealed
# registry credentials, so the provider needs no state of its own and a changed key set is never answered from a
# stale cache.
checks contains {"entry": entry, "img": img, "key": key} if {
	not common.is_delete
	some entry in common.containers
	img := object.get(entry.container, "image", "")
	img != ""
	some ref in object.get(input, ["parameters", "references"], [])
	covers(ref.reference, img)
	request := {"image": img, "publicKeys": object.get(ref, "publicKeys", [])}
	key := json.marshal(object.union(request, optional_parts(ref)))
}

# The reference's "ca" and "credentials" (its dockerCfg, sealed by the operator for the provider), when set.
optional_parts(ref) := {name: value |
	some name in ["ca", "credentials"]
	value := ref[name]
	is_string(value)
	value != ""
}

keys := [k | some k in {c.key | some c in checks}]

response := external_data({"provider": provider, "keys": keys}) if count(keys) > 0

responses := {k: v | some [k, v] in object.get(response, "responses", [])}

errors := {k: e | some [k, e] in object.get(response, "errors", [])}

system_error := object.get(response, "system_error", "")

# Why a key is not verified; none when the provider confirmed it. Every other outcome refuses (fail closed). A key
# without an item shares the request's system error: Gatekeeper's own (the provider unreachable) or the provider's
# for a registry failure, which it sends that way so that Gatekeeper does not cache it.
reason(key) := errors[key] if {
	errors[key]
} else := "the signature provider did not confirm a signature" if {
	responses[key]
	responses[key].verified != true
} else := system_reason if {
	not responses[key]
	system_error != ""
} else := "no answer from the signature provider" if {
	not responses[key]
}

system_reason := system_error if {
	startswith(system_error, "registry error")
} else := sprintf("provider error: %s", [system_error])

violation contains {"msg": msg, "details": {"field": field, "actual": c.img, "allowed": "an image signed with one of the policy's public keys"}} if {
	some c in checks
	why := reason(c.key)
	field := sprintf("%s.image", [common.path(c.entry)])
	msg := sprintf("Image signature verification failed: %s; %s; %s: %s", [c.img, why, common.container_subject(c.entry), field])
}
