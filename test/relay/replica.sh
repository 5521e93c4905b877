# shellcheck shell=bash
# test/relay/replica.sh: relays on a hot standby, behind HAProxy (suite
# `relay_replica`, run by test/run.sh, which sources this file and calls
# cq_relay_replica_tests).
#
# Design notes
#
# A primary cluster with the extension and a transform query, and a hot
# standby made from it with pg_basebackup (streaming, -R).  Three relays:
# r1 on the primary, r2 and r3 on the standby, where they follow the log
# by polling (relay/replica.c).  Debian's HAProxy balances them round
# robin with /healthz checks.  Six npm `eventsource` clients stream the
# query through HAProxy and one straight from r3, while a writer commits
# rows on the primary.  Mid-stream r2 is killed with SIGKILL: its clients
# reconnect through HAProxy, with Last-Event-ID, to r1 or r3.  Then every
# client must hold exactly the log's results, in id order, each once.

CQP_DB=cq

cqp_primary()
{
	cq_psql rprimary -d "$CQP_DB" -At -c "$1"
}

cqp_standby()
{
	"$PG_BINDIR/psql" -X -q -At -h 127.0.0.1 -p "$CQP_SPORT" -U postgres \
		-d "$CQP_DB" -c "$1"
}

cqp_standby_is()
{
	[ "$(cqp_standby "$1" 2>/dev/null)" = "$2" ]
}

cqp_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

# cqp_relay NAME PORT DBPORT: a relay on the cluster at DBPORT
cqp_relay()
{
	env -u CQSTREAM_RELAY_DB -u CQSTREAM_RELAY_LISTEN -u CQSTREAM_RELAY_TOKENS \
		-u CQSTREAM_RELAY_CONFIG "$CQ_ROOT/relay/cqstream-relay" \
		--db="host=127.0.0.1 port=$3 user=postgres dbname=$CQP_DB" \
		--listen="127.0.0.1:$2" --heartbeat=1 --retry=300 \
		>"$CQP_DIR/$1.log" 2>&1 </dev/null &
	echo $! >"$CQP_DIR/$1.pidof"
}

cqp_client()
{
	: >"$CQP_DIR/$1.out"
	node "$CQ_ROOT/test/relay/collect.mjs" "$2" "$CQP_DIR/$1.out" \
		--timeout=240 >"$CQP_DIR/$1.log" 2>&1 &
	echo $! >"$CQP_DIR/$1.pidof"
}

# cqp_events NAME: "id value" of each result event a client received
cqp_events()
{
	awk -F'\t' '$2 == "instant" || $2 == "message" { print $4, $5 }' \
		"$CQP_DIR/$1.out" | sed -E 's/ .*"value":([^,}]*).*/ \1/'
}

cqp_has()
{
	[ "$(cqp_events "$1" | wc -l)" -ge "$2" ]
}

cqp_cleanup()
{
	local f
	for f in "$CQP_DIR"/*.pidof; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
}

cq_relay_replica_tests()
{
	local why pport i n c start ok=0
	cq_pg_env
	if ! why=$(cq_node_setup); then
		cq_fail "npm packages for the clients" "$why"
		return 0
	fi
	CQP_DIR=$CQ_TMP/replica
	mkdir -p "$CQP_DIR"
	trap cqp_cleanup EXIT

	if ! cq_cluster_start rprimary "wal_level = replica" "max_wal_senders = 5" \
		"hot_standby = on"; then
		cq_fail "primary cluster" "$(tail -n 5 "$CQ_TMP/pg-rprimary/log")"
		return 0
	fi
	pport=$(cat "$CQ_TMP/pg-rprimary/port")
	cq_psql rprimary -d postgres -c "CREATE DATABASE $CQP_DB" >/dev/null
	cqp_primary "CREATE EXTENSION cqstream" >/dev/null
	cqp_primary "CREATE TABLE src (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz NOT NULL DEFAULT clock_timestamp(), v float8 NOT NULL)" >/dev/null
	cqp_primary "SELECT cqstream.create_transform('rq', 'src', 't', 'v', 'add 0')" >/dev/null
	cqp_primary "INSERT INTO src (v) SELECT g FROM generate_series(1, 50) g" >/dev/null
	# Clients start before the query's first result: they get them all
	start=$(cqp_primary "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'rq'")

	# The standby
	mkdir -p "$CQ_TMP/pg-rstandby"
	cq_give_to_pg "$CQ_TMP/pg-rstandby"
	CQP_SPORT=$(cq_free_port $((pport + 1)))
	if cq_as_pg "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres \
		-D "$CQ_TMP/pg-rstandby/data" -R -X stream >"$CQP_DIR/basebackup.log" 2>&1 &&
		echo "unix_socket_directories = '$CQ_TMP/pg-rstandby'" >>"$CQ_TMP/pg-rstandby/data/postgresql.conf" &&
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-rstandby/data" \
			-l "$CQ_TMP/pg-rstandby/log" -w -t 60 -o "-p $CQP_SPORT" start \
			>"$CQP_DIR/standby-start.log" 2>&1 &&
		cq_wait_cmd 30 cqp_standby_is "SELECT pg_is_in_recovery()" t; then
		cq_pass "a hot standby streaming from the primary"
	else
		cq_fail "a hot standby streaming from the primary" \
			"$(tail -n 5 "$CQP_DIR/basebackup.log" "$CQ_TMP/pg-rstandby/log" 2>/dev/null)"
		return 0
	fi

	# Three relays, HAProxy in front
	CQP_R1=$(cq_free_port $((CQP_SPORT + 1)))
	CQP_R2=$(cq_free_port $((CQP_R1 + 1)))
	CQP_R3=$(cq_free_port $((CQP_R2 + 1)))
	CQP_HP=$(cq_free_port $((CQP_R3 + 1)))
	cqp_relay r1 "$CQP_R1" "$pport"
	cqp_relay r2 "$CQP_R2" "$CQP_SPORT"
	cqp_relay r3 "$CQP_R3" "$CQP_SPORT"
	if cq_wait_cmd 20 cqp_healthy "$CQP_R1" && cq_wait_cmd 20 cqp_healthy "$CQP_R2" &&
		cq_wait_cmd 20 cqp_healthy "$CQP_R3"; then
		:
	else
		cq_fail "three relays connected" "$(tail -n 3 "$CQP_DIR"/r*.log)"
		return 0
	fi
	if grep -q 'replica mode' "$CQP_DIR/r2.log" && ! grep -q 'replica mode' "$CQP_DIR/r1.log"; then
		cq_pass "the relays on the standby follow the log by polling, the primary's by notifications"
	else
		cq_fail "the relays on the standby follow the log by polling" "$(tail -n 3 "$CQP_DIR"/r1.log "$CQP_DIR"/r2.log)"
	fi
	cat >"$CQP_DIR/haproxy.cfg" <<-EOF
		global
		    maxconn 1000
		defaults
		    mode http
		    timeout connect 2s
		    timeout client 5m
		    timeout server 5m
		    timeout tunnel 5m
		    retries 3
		    option redispatch
		frontend relays_in
		    bind 127.0.0.1:$CQP_HP
		    default_backend relays
		backend relays
		    balance roundrobin
		    option httpchk GET /healthz
		    http-check expect status 200
		    server r1 127.0.0.1:$CQP_R1 check inter 300 fall 1 rise 1
		    server r2 127.0.0.1:$CQP_R2 check inter 300 fall 1 rise 1
		    server r3 127.0.0.1:$CQP_R3 check inter 300 fall 1 rise 1
	EOF
	haproxy -f "$CQP_DIR/haproxy.cfg" -db >"$CQP_DIR/haproxy.log" 2>&1 </dev/null &
	echo $! >"$CQP_DIR/haproxy.pidof"
	if ! cq_wait_cmd 20 cqp_healthy "$CQP_HP"; then
		cq_fail "HAProxy in front of the relays" "$(tail -n 5 "$CQP_DIR/haproxy.log")"
		return 0
	fi

	for i in 1 2 3 4 5 6; do
		cqp_client "c$i" "http://127.0.0.1:$CQP_HP/queries/rq/stream?last_event_id=$start"
	done
	cqp_client direct "http://127.0.0.1:$CQP_R3/queries/rq/stream?last_event_id=$start"
	for c in c1 c2 c3 c4 c5 c6 direct; do
		cq_wait_cmd 20 cqp_has "$c" 50 || true
	done

	# A writer on the primary; r2 dies in the middle
	(
		for i in $(seq 1 40); do
			cqp_primary "INSERT INTO src (v) SELECT 1000 * $i + g FROM generate_series(1, 10) g" >/dev/null
			[ "$i" = 15 ] && kill -KILL "$(cat "$CQP_DIR/r2.pidof")"
			sleep 0.1
		done
	)
	n=$(cqp_primary "SELECT count(*) FROM src")
	cq_wait_cmd 60 cqp_standby_is "SELECT rows_processed FROM cqstream.queries WHERE name = 'rq'" "$n" || true
	cqp_primary "SELECT id || ' ' || (payload::json->>'value') FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'rq') ORDER BY id" >"$CQP_DIR/log.ids"
	for c in c1 c2 c3 c4 c5 c6 direct; do
		cq_wait_cmd 60 cqp_has "$c" "$n" || true
		cqp_events "$c" >"$CQP_DIR/$c.ids"
		if cmp -s "$CQP_DIR/log.ids" "$CQP_DIR/$c.ids"; then
			ok=$((ok + 1))
		else
			cq_fail "client $c: every result once, in order" \
				"$(diff "$CQP_DIR/log.ids" "$CQP_DIR/$c.ids" | head -n 5)"
		fi
	done
	if [ "$ok" = 7 ] && [ "$(wc -l <"$CQP_DIR/log.ids")" = "$n" ]; then
		cq_pass "7 clients (6 through HAProxy, 1 on a standby relay) received the $n results exactly once, in order, across the SIGKILL of a standby relay"
	fi
	# The kill mattered: some client had to reconnect, and did
	if cat "$CQP_DIR"/c*.out.req 2>/dev/null | grep -c '"status":200' | awk '$1 > 6 { ok = 1 } END { exit !ok }'; then
		cq_pass "the killed relay's clients reconnected through HAProxy with Last-Event-ID"
	else
		cq_fail "the killed relay's clients reconnected through HAProxy" "$(cat "$CQP_DIR"/c*.out.req | head -n 12)"
	fi
}
