"""The product's error messages, in English: each an ``error.*`` id with parameters
(and the run's progress, ``lab.status``'s ``status.*``).

An error reaches a learner or an instructor as ``message`` (this English text)
and ``message_msg`` (the id and parameters), and each page renders the id in its
own language (core/phrases_<lang>.py).  They live together, not beside each
raiser, because every process needs them whichever module raised: the lab's
refusals are shown by the web server.  Parameters are the technical words
(field names, values, option names, limits), which stay as they are.
"""
from . import phrases

phrases.define({
    # any seam (errors.from_exception)
    "error.took_too_long": "the run took too long",
    "error.not_installed": "The lab engine is not installed here ({why}).",
    "error.failed": "{what}: {why}",
    "error.field": "{field}: {why}",
    # a websocket message or a lab request line (core/wire.py, core/protocol.py)
    "error.wire.type": "'{field}' must be {what}",
    "error.wire.what.str": "a string",
    "error.wire.what.int": "an integer",
    "error.wire.what.bool": "true or false",
    "error.wire.what.float": "a number",
    "error.wire.what.list": "a list",
    "error.wire.what.dict": "an object",
    "error.wire.what.any": "a value",
    "error.wire.nothing_else": "nothing else",
    "error.wire.range": "'{field}' must be an integer from {lo} to {hi}",
    "error.wire.too_long": "'{field}' is at most {most} characters",
    "error.wire.too_many": "too many {field}: {count}, at most {most}",
    "error.wire.choice": "'{field}' is one of {choices}",
    "error.wire.not_object": "a message is a JSON object with a {key}: {example}",
    "error.wire.unknown_type": "unknown message {key} {value}; this socket takes {example}",
    "error.wire.unknown_keys": "unknown key(s) for {type}: {keys}; allowed: {allowed}",
    "error.wire.binary": "binary frames are not accepted; send a JSON text message",
    "error.wire.too_large": "message too large: {size} bytes, the limit is {most}",
    "error.wire.too_deep": "message nested deeper than {most} levels",
    "error.wire.not_json": "message is not valid JSON (at character {pos})",
    "error.line.too_large": "request too large: {size} bytes, the limit is {most}",
    "error.line.no_id": "a request is an object with an integer id",
    "error.line.too_large_unsized": "request too large",
    # a lesson or step asked for (learn/validation.py, core/experiment.py)
    "error.lesson.unknown": "unknown lesson {slug}",
    "error.lesson.steps": "lesson {slug} has steps 1..{steps}, not {step}",
    # a lesson folder that does not load, for its author (core/lessons.py, traffic.py, ...)
    "error.lesson.listen_port": "a listener's port is from 1 to 65535, not {value}",
    "error.lesson.listen_proto": "a listener's proto is one of {protos}, not {value}",
    "error.lesson.traffic_list": "'traffic' is a table or a list of 1 to {most} traffic items "
                                 "and at most {actions} actions, not {count} items",
    "error.lesson.not_table": "{at} must be a table, not {value}",
    "error.lesson.unknown_keys": "unknown key(s) {keys}",
    "error.lesson.expect_table": "'expect' must be a table",
    "error.lesson.whole_number": "{key} must be a whole number, not {value}",
    "error.lesson.traffic_kind": "unknown traffic kind {value}",
    "error.lesson.traffic_end": "'traffic' must end with a traffic item (or inspect actions), "
                                "not an action",
    "error.lesson.http_to": "an http item goes 'to' an IPv4 address, not {value}",
    "error.lesson.port": "'port' is from 1 to 65535, not {value}",
    "error.lesson.between": "an action between traffic items has one of {kinds}: {value}",
    "error.lesson.topology_lacks": "topology {name}: an element lacks {key}",
    "error.lesson.topology_host": "a topology needs a 'host' namespace",
    "error.lesson.topology_ns": "topology names unknown namespace {ns}",
    "error.lesson.topology_unknown": "unknown topology {name}",
    "error.lesson.action_kind": "an action needs exactly one of {kinds}: {value}",
    "error.lesson.arptables": "an 'arptables' action {rule} is refused: {why}",
    "error.lesson.tool_words": "a {kind} action is {forms} in plain words, not {value}",
    "error.lesson.ip_link": "an 'ip link' action is 'link set dev <device> promisc on|off' (a "
                            "capture in promiscuous mode, as tcpdump takes one), not {value}",
    "error.lesson.inspect": "an 'inspect' action is one of 'ip neigh|route|addr|link [show ...]', "
                            "'bridge fdb|link [show ...]', 'arp -e|-n', not {value}",
    "error.lesson.inspect_where": "an 'inspect' action goes in the step's traffic list: {value}",
    "error.lesson.about": "{at}: 'about' lists protocols of {protos}, not {value}",
    "error.lesson.predict_captures": "{at}: 'predict_captures' names host interfaces ({known}), "
                                     "not {value}",
    "error.lesson.no_text": "{lesson}: step {n} has no explanation file {file}",
    "error.lesson.no_steps": "{lesson}: a lesson needs at least one step",
    "error.lesson.level": "{lesson}: level {value} is not one of {levels}",
    "error.lesson.ruleset": "{lesson}: unknown ruleset {value}",
    "error.lesson.docker_rulesets": "{lesson}: 'docker' picks a docker ruleset, but the lesson's "
                                    "rulesets name no \"docker\"",
    "error.lesson.does_not_load": "lesson {slug} does not load: {why}",
    "error.lesson.unknown_of": "unknown lesson {slug}; lessons: {lessons}",
    "error.lesson.expect_names": "expect.{key} is a list of names, not {value}",
    "error.lesson.expect_icmp": "expect.icmp_error is true, false or one of {kinds}, not {value}",
    "error.lesson.expect_bool": "expect.{key} is true or false, not {value}",
    "error.lesson.expect_status": "expect.http_status is a status code from 100 to 599, not {value}",
    "error.lesson.expect_body": "expect.http_body is a text of 1 to {most} characters the body "
                                "contains, not {value}",
    "error.lesson.expect_captured": "expect.captured is a table of capture devices (\"docker0\", "
                                    "\"wan:eth0\") to a frame count (0 to {most}) or true/false, "
                                    "not {value}",
    "error.lesson.no_docker": "lesson {slug} loads no docker ruleset: docker {name} changes "
                              "nothing in it",
    "error.lesson.compare": "'compare' lists two or more different docker rulesets, not {value}",
    # an experiment's fields (core/experiment.py); each is shown after its field's name
    "error.exp.whole_number": "a whole number from {lo} to {hi}, not {value}",
    "error.exp.range": "must be from {lo} to {hi}, not {value}",
    "error.exp.string": "must be a non-empty string",
    "error.exp.too_long": "at most {most} characters",
    "error.exp.namespace": "unknown namespace {value}; the topology has {names}",
    "error.exp.list": "must be a list",
    "error.exp.too_many": "too many items: {count}, at most {most}",
    "error.exp.object": "must be an object",
    "error.exp.base": "a lesson slug, optionally :step, not {value}",
    "error.exp.unknown_lesson": "unknown lesson {value}",
    "error.exp.no_traffic": "an experiment needs at least one traffic item",
    "error.docker.unknown": "unknown docker ruleset {name}; the names are {names}",
    "error.exp.no_interface": "{ns} has no interface {dev} (it has {devs})",
    "error.exp.sysctl": "{value} is not on the allowlist: {allowed}",
    "error.exp.sysctl_value": "{name} takes {values}, not {value}",
    "error.exp.listen_proto": "{protos}, not {value}",
    "error.exp.address": "an IPv4 address, not {value}",
    "error.exp.unicast": "a unicast address",
    "error.exp.proto": "one of {protos}, not {value}",
    "error.exp.icmp_port": "icmp has no port",
    "error.exp.tcp_count": "a TCP item opens one connection (count 1)",
    "error.exp.http_count": "an HTTP item makes one request (count 1)",
    "error.exp.tcp_size": "a TCP connection test sends no payload",
    "error.exp.http_size": "an HTTP item sends a plain GET, no payload",
    "error.exp.http_ttl": "curl sets no TTL: an HTTP item takes none",
    # a learner's rule (core/rulecheck.py, the one validator)
    "error.rule.not_list": "'rules' must be a list of strings (iptables arguments)",
    "error.rule.too_many": "too many rules: {count}, at most {most}",
    "error.rule.not_string": "rule {n} must be a string",
    "error.rule.nth": "rule {n}: {why}",
    "error.rule.empty": "the rule is empty: it needs iptables arguments, e.g. -I FORWARD -j ACCEPT",
    "error.rule.too_long": "a rule is at most {most} characters; this one is {length}",
    "error.rule.parse": "cannot parse rule: {why}",
    "error.rule.parse_quote": "a quotation mark is not closed",
    "error.rule.parse_escape": "a backslash ends the rule",
    "error.rule.no_args": "a rule needs iptables arguments, e.g. -I FORWARD -j ACCEPT",
    "error.rule.nft_option": "an nft rule takes no nft options ({word})",
    "error.rule.nft_form": "an nft rule is `nft add rule FAMILY TABLE CHAIN <expression>` "
                           "(or insert rule), e.g. nft add rule ip filter FORWARD tcp dport 81 drop",
    "error.rule.nft_family": "nft family is one of {families}, not {value}",
    "error.rule.nft_name": "nft {what} name {value}: letters, digits, _ and -",
    "error.rule.nft_one": "an nft rule is one command: no ';'",
    "error.rule.nft_refused": "refused: {word} {why}",
    "error.rule.nft_variable": "refused: {word}: nft variables are not taken",
    "error.rule.why.nft_include": "makes nft read a file",
    "error.rule.why.nft_define": "defines a variable",
    "error.rule.why.nft_undefine": "undefines a variable",
    "error.rule.surrogate": "a rule must be valid text: character {n} (U+{code}) is a lone "
                            "surrogate, not a character",
    "error.rule.one_line": "a rule is one line, with no NUL or newline characters",
    "error.rule.control": "a rule has no control characters: character {n} is U+{code}",
    "error.rule.no_name": "{word}: an option needs a name after '--'",
    "error.rule.forbidden": "{shown} is not allowed here: it {why}",
    "error.rule.forbidden_as": "{shown} is not allowed here: {tool} reads it as --{option}, "
                               "which {why}",
    "error.rule.forbidden_prefix": "{shown} is not allowed here: it could be short for {names}; "
                                   "an option that runs a program or touches files is refused "
                                   "however spelled",
    "error.rule.forbidden_short": "-{letter}{where} is not allowed here: it {why} (short for "
                                  "--{option})",
    "error.rule.in_word": " (in {word})",
    "error.rule.why.modprobe": "makes {tool} run a program",
    "error.rule.why.reads_writes": "makes ebtables read and write a file",
    "error.rule.why.writes": "makes ebtables write a file",
    "error.rule.why.reads": "makes ebtables read a file",
    "error.rule.why.init_table": "replaces a whole ebtables table",
    "error.rule.unnamed": "{shown}: the {kind} has no name",
    "error.rule.library": "{shown}: an extension name has no '/' or '.' (it names a library "
                          "{tool} would load)",
    "error.rule.match": "{shown} is not allowed here: the {tool} matches the lab runs are {names}",
    "error.rule.no_matches": "{shown} is not allowed here: {tool} takes no matches",
    "error.rule.target": "{shown} is not allowed here: the {tool} targets the lab runs are "
                         "{names}, and user chains named in capitals with a dash, like DOCKER-USER",
    "error.rule.refused_by": "{tool} refused the rule {rule}: {why}",
    # a prediction (core/predict.py)
    "error.predict.object": "'prediction' must be an object like {example}",
    "error.predict.parts": "unknown prediction part(s): {parts}; parts: {known}",
    "error.predict.through": "'through' must be true or false",
    "error.predict.dies_at": "'dies_at' must name a table of the diagram, like "
                             "ip:filter:forward, not {value}",
    "error.predict.hooks": "'hooks' must be a list of at most {most} hooks like "
                           "\"bridge:prerouting\"",
    "error.predict.captures": "'captures' must be an object of at most {most} interfaces, each "
                              "a list of {kinds}, like {example}",
    "error.predict.nat_addr": "'nat_addr' must be an IPv4 address like 203.0.113.10, or an "
                              "address and port like 172.17.0.2:80",
    "error.predict.cli_form": "--predict takes PART=VALUE, not {value}",
    "error.predict.cli_through": "through=yes or through=no",
    # the lab, its queue and its limits (lab/*, learn/shares.py, learn/consumers.py)
    "error.lab.stopped": "the lab process stopped; it restarts on the next run",
    "error.lab.no_start": "the lab process did not start: {why}",
    "error.lab.no_namespaces": "the lab process did not start: it could not create its "
                               "namespaces (see the server log)",
    "error.lab.no_answer": "the lab did not answer within {seconds} s",
    "error.lab.full": "the lab is busy: every sandbox stayed in use while you waited {seconds} s "
                      "in line. Your run did not start; try again in a minute",
    "error.lab.no_sandbox": "no sandbox for this owner: run a step first",
    "error.busy": "a run is already in progress on this connection; wait for its lab.result",
    "error.rate.page": "too many runs from this page: try again in {seconds} s (at most "
                       "{per_minute} a minute)",
    "error.rate.browser": "too many runs from this browser: try again in {seconds} s (at most "
                          "{per_minute} a minute)",
    "error.rate.address": "too many runs from this address: try again in {seconds} s (at most "
                          "{per_minute} a minute)",
    "error.held.browser": "this browser already holds {count} lab sandboxes (one per open lesson "
                          "page): close one, or wait until one is released",
    "error.held.address": "this address already holds {count} lab sandboxes (one per open lesson "
                          "page): close one, or wait until one is released",
    "error.not_saved": "not saved: recording the run failed ({why})",
    "error.db_read_only": "not saved: the database cannot be written right now",
    "error.run_timeout": "the run took longer than {seconds} s",
    # the run's progress (lab.status's detail)
    "status.queued": "the lab is full: {ahead} ahead of you",
    "status.next": "the lab is full: you are next",
    "status.building": "building the {name} sandbox",
    "status.building_lesson": "building the lesson sandbox",
    "status.applying": "applying the step's changes",
    "status.done": "run finished",
})
