package optunafile

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"
)

// Optuna's RDB schema exactly as Optuna 3.1 creates it in SQLite
// (optuna/storages/_rdb/models.py, alembic revision v3.0.0.d): the same
// CREATE TABLE text, and the index on study names and the automatic indexes
// of the UNIQUE and PRIMARY KEY constraints, built as SQLite builds them.
const (
	alembicHead      = "v3.0.0.d"
	schemaVersion    = 12
	optunaVersion    = "3.1.0"
	sqliteTimeLayout = "2006-01-02 15:04:05.000000"
)

// autoIndex is the automatic index SQLite makes for a table's first UNIQUE
// or PRIMARY KEY constraint on columns other than the rowid.
func autoIndex(table string, cols ...int) []sqliteIndex {
	return []sqliteIndex{{name: "sqlite_autoindex_" + table + "_1", cols: cols}}
}

var optunaTables = []struct {
	name, sql string
	indexes   []sqliteIndex
}{
	{"studies", "CREATE TABLE studies (\n\tstudy_id INTEGER NOT NULL, \n\tstudy_name VARCHAR(512) NOT NULL, \n\tPRIMARY KEY (study_id)\n)",
		[]sqliteIndex{{name: "ix_studies_study_name", sql: "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)", cols: []int{1}}}},
	{"version_info", "CREATE TABLE version_info (\n\tversion_info_id INTEGER NOT NULL, \n\tschema_version INTEGER, \n\tlibrary_version VARCHAR(256), \n\tPRIMARY KEY (version_info_id), \n\tCHECK (version_info_id=1)\n)", nil},
	{"study_directions", "CREATE TABLE study_directions (\n\tstudy_direction_id INTEGER NOT NULL, \n\tdirection VARCHAR(8) NOT NULL, \n\tstudy_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tPRIMARY KEY (study_direction_id), \n\tUNIQUE (study_id, objective), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
		autoIndex("study_directions", 2, 3)},
	{"study_user_attributes", "CREATE TABLE study_user_attributes (\n\tstudy_user_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_user_attribute_id), \n\tUNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
		autoIndex("study_user_attributes", 1, 2)},
	{"study_system_attributes", "CREATE TABLE study_system_attributes (\n\tstudy_system_attribute_id INTEGER NOT NULL, \n\tstudy_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (study_system_attribute_id), \n\tUNIQUE (study_id, \"key\"), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)",
		autoIndex("study_system_attributes", 1, 2)},
	{"trials", "CREATE TABLE trials (\n\ttrial_id INTEGER NOT NULL, \n\tnumber INTEGER, \n\tstudy_id INTEGER, \n\tstate VARCHAR(8) NOT NULL, \n\tdatetime_start DATETIME, \n\tdatetime_complete DATETIME, \n\tPRIMARY KEY (trial_id), \n\tFOREIGN KEY(study_id) REFERENCES studies (study_id)\n)", nil},
	{"trial_user_attributes", "CREATE TABLE trial_user_attributes (\n\ttrial_user_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_user_attribute_id), \n\tUNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_user_attributes", 1, 2)},
	{"trial_system_attributes", "CREATE TABLE trial_system_attributes (\n\ttrial_system_attribute_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\t\"key\" VARCHAR(512), \n\tvalue_json TEXT, \n\tPRIMARY KEY (trial_system_attribute_id), \n\tUNIQUE (trial_id, \"key\"), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_system_attributes", 1, 2)},
	{"trial_params", "CREATE TABLE trial_params (\n\tparam_id INTEGER NOT NULL, \n\ttrial_id INTEGER, \n\tparam_name VARCHAR(512), \n\tparam_value FLOAT, \n\tdistribution_json TEXT, \n\tPRIMARY KEY (param_id), \n\tUNIQUE (trial_id, param_name), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_params", 1, 2)},
	{"trial_values", "CREATE TABLE trial_values (\n\ttrial_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tobjective INTEGER NOT NULL, \n\tvalue FLOAT, \n\tvalue_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_value_id), \n\tUNIQUE (trial_id, objective), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_values", 1, 2)},
	{"trial_intermediate_values", "CREATE TABLE trial_intermediate_values (\n\ttrial_intermediate_value_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\tstep INTEGER NOT NULL, \n\tintermediate_value FLOAT, \n\tintermediate_value_type VARCHAR(7) NOT NULL, \n\tPRIMARY KEY (trial_intermediate_value_id), \n\tUNIQUE (trial_id, step), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_intermediate_values", 1, 2)},
	{"trial_heartbeats", "CREATE TABLE trial_heartbeats (\n\ttrial_heartbeat_id INTEGER NOT NULL, \n\ttrial_id INTEGER NOT NULL, \n\theartbeat DATETIME NOT NULL, \n\tPRIMARY KEY (trial_heartbeat_id), \n\tUNIQUE (trial_id), \n\tFOREIGN KEY(trial_id) REFERENCES trials (trial_id)\n)",
		autoIndex("trial_heartbeats", 1)},
	{"alembic_version", "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)",
		autoIndex("alembic_version", 0)},
}

// NaNValueAttr is the trial system attribute WriteSQLite sets on a trial
// whose value is NaN: Optuna's RDB schema cannot hold a NaN objective
// (Optuna itself fails such a trial), so the trial is written as FAIL
// without a value, and ReadSQLite restores its state and NaN value.
const NaNValueAttr = "cgx.optuna.nan_value"

// WriteSQLite writes s as a fresh Optuna RDB database in SQLite, study id 1,
// which optuna.load_study(storage="sqlite:///FILE") opens.
func WriteSQLite(w io.Writer, s Study) error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("write sqlite: %w", err)
	}
	rows := map[string][]sqliteRow{}
	add := func(table string, vals ...sqlValue) {
		rows[table] = append(rows[table], sqliteRow{rowid: int64(len(rows[table]) + 1), vals: vals})
	}
	add("version_info", nil, int64(schemaVersion), optunaVersion)
	add("alembic_version", alembicHead)
	add("studies", nil, s.Name)
	for i, d := range s.Directions {
		add("study_directions", nil, d.String(), int64(1), int64(i))
	}
	attrs := func(table string, owner int64, m map[string]any) error {
		for _, k := range sortedKeys(m) {
			text := jsonText(m[k])
			if text == "" {
				return fmt.Errorf("attribute %q: cannot encode %T", k, m[k])
			}
			add(table, nil, owner, k, text)
		}
		return nil
	}
	if err := attrs("study_user_attributes", 1, s.UserAttrs); err != nil {
		return fmt.Errorf("write sqlite: study %w", err)
	}
	if err := attrs("study_system_attributes", 1, s.SystemAttrs); err != nil {
		return fmt.Errorf("write sqlite: study %w", err)
	}
	for i := range s.Trials {
		t := s.Trials[i]
		id := int64(i + 1)
		sys := t.SystemAttrs
		if len(t.Values) > 0 && hasNaN(t.Values) {
			sys = copyAttrs(sys)
			sys[NaNValueAttr] = t.State.String()
			t.State, t.Values = StateFail, nil
			if t.Complete.IsZero() {
				t.Complete = t.Start
			}
		}
		add("trials", nil, int64(i), int64(1), t.State.String(), sqliteTime(t.Start), sqliteTime(t.Complete))
		if err := attrs("trial_user_attributes", id, t.UserAttrs); err != nil {
			return fmt.Errorf("write sqlite: trial %d: %w", t.Number, err)
		}
		if err := attrs("trial_system_attributes", id, sys); err != nil {
			return fmt.Errorf("write sqlite: trial %d: %w", t.Number, err)
		}
		for _, p := range sortedKeys(t.Params) {
			text, err := t.Distributions[p].json()
			if err != nil {
				return fmt.Errorf("write sqlite: trial %d parameter %q: %w", t.Number, p, err)
			}
			add("trial_params", nil, id, p, t.Params[p], text)
		}
		for obj, v := range t.Values {
			val, typ := storedValue(v)
			add("trial_values", nil, id, int64(obj), val, typ)
		}
		steps := make([]int, 0, len(t.IntermediateValues))
		for step := range t.IntermediateValues {
			steps = append(steps, step)
		}
		sort.Ints(steps)
		for _, step := range steps {
			val, typ := storedValue(t.IntermediateValues[step])
			add("trial_intermediate_values", nil, id, int64(step), val, typ)
		}
	}
	tables := make([]sqliteTable, len(optunaTables))
	for i, t := range optunaTables {
		tables[i] = sqliteTable{name: t.name, sql: t.sql, rows: rows[t.name], indexes: t.indexes}
	}
	if err := writeSQLiteFile(w, tables); err != nil {
		return fmt.Errorf("write sqlite: %w", err)
	}
	return nil
}

func hasNaN(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

func copyAttrs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// storedValue is Optuna's (value, type) pair for a float.
func storedValue(v float64) (sqlValue, string) {
	switch {
	case math.IsNaN(v):
		return nil, "NAN"
	case math.IsInf(v, 1):
		return nil, "INF_POS"
	case math.IsInf(v, -1):
		return nil, "INF_NEG"
	}
	return v, "FINITE"
}

func sqliteTime(t time.Time) sqlValue {
	if t.IsZero() {
		return nil
	}
	return t.In(time.Local).Format(sqliteTimeLayout)
}

var stateByName = map[string]State{"RUNNING": StateRunning, "COMPLETE": StateComplete, "PRUNED": StatePruned, "FAIL": StateFail, "WAITING": StateWaiting}

// ReadSQLite reads every study of an Optuna RDB database in SQLite (what
// optuna.storages.RDBStorage("sqlite:///FILE") wrote, or WriteSQLite), in
// study id order, trials in number order.
func ReadSQLite(r io.Reader) ([]Study, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read sqlite: %w", err)
	}
	f, err := openSQLite(data)
	if err != nil {
		return nil, fmt.Errorf("read sqlite: %w", err)
	}
	schema, err := f.tables()
	if err != nil {
		return nil, fmt.Errorf("read sqlite: %w", err)
	}
	if _, ok := schema["trials"]; !ok {
		return nil, fmt.Errorf("read sqlite: no trials table; not an Optuna database: %w", ErrFormat)
	}
	tab := map[string][]map[string]sqlValue{}
	for _, t := range optunaTables {
		if tab[t.name], err = f.rows(schema, t.name); err != nil {
			return nil, fmt.Errorf("read sqlite: %w", err)
		}
	}
	studies := map[int64]*Study{}
	var order []int64
	for _, row := range tab["studies"] {
		id, _ := row["study_id"].(int64)
		name, _ := row["study_name"].(string)
		if _, dup := studies[id]; dup {
			return nil, fmt.Errorf("read sqlite: study id %d twice: %w", id, ErrFormat)
		}
		studies[id] = &Study{Name: name, UserAttrs: map[string]any{}, SystemAttrs: map[string]any{}}
		order = append(order, id)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	dirs := map[int64]map[int64]Direction{}
	for _, row := range tab["study_directions"] {
		sid, _ := row["study_id"].(int64)
		obj, _ := row["objective"].(int64)
		name, _ := row["direction"].(string)
		d := map[string]Direction{"MINIMIZE": DirectionMinimize, "MAXIMIZE": DirectionMaximize, "NOT_SET": DirectionNotSet}
		dir, ok := d[name]
		if !ok || obj < 0 || obj > 1000 {
			return nil, fmt.Errorf("read sqlite: study %d direction %q objective %d: %w", sid, name, obj, ErrFormat)
		}
		if dirs[sid] == nil {
			dirs[sid] = map[int64]Direction{}
		}
		dirs[sid][obj] = dir
	}
	for id, s := range studies {
		for obj := int64(0); obj < int64(len(dirs[id])); obj++ {
			d, ok := dirs[id][obj]
			if !ok {
				return nil, fmt.Errorf("read sqlite: study %d lacks objective %d's direction: %w", id, obj, ErrFormat)
			}
			s.Directions = append(s.Directions, d)
		}
	}
	if err := readAttrs(tab["study_user_attributes"], "study_id", func(id int64) map[string]any { return studyAttrs(studies, id, true) }); err != nil {
		return nil, err
	}
	if err := readAttrs(tab["study_system_attributes"], "study_id", func(id int64) map[string]any { return studyAttrs(studies, id, false) }); err != nil {
		return nil, err
	}
	trials, owner, err := readTrials(tab)
	if err != nil {
		return nil, err
	}
	byStudy := map[int64][]*Trial{}
	ids := make([]int64, 0, len(trials))
	for id := range trials {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if studies[owner[id]] != nil {
			byStudy[owner[id]] = append(byStudy[owner[id]], trials[id])
		}
	}
	out := make([]Study, 0, len(order))
	for _, sid := range order {
		s := studies[sid]
		ts := byStudy[sid]
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].Number < ts[j].Number })
		for _, t := range ts {
			s.Trials = append(s.Trials, *t)
		}
		out = append(out, *s)
	}
	return out, nil
}

func studyAttrs(studies map[int64]*Study, id int64, user bool) map[string]any {
	s := studies[id]
	if s == nil {
		return nil
	}
	if user {
		return s.UserAttrs
	}
	return s.SystemAttrs
}

// readAttrs decodes attribute rows (owner, "key", value_json) into the map
// into(owner) returns (nil: an attribute of a missing owner, skipped).
func readAttrs(rows []map[string]sqlValue, ownerCol string, into func(int64) map[string]any) error {
	for _, row := range rows {
		owner, _ := row[ownerCol].(int64)
		key, ok1 := row["key"].(string)
		text, ok2 := row["value_json"].(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("read sqlite: attribute of %s %d: key and value_json must be text: %w", ownerCol, owner, ErrFormat)
		}
		m := into(owner)
		if m == nil {
			continue
		}
		v, err := decodeJSON([]byte(text))
		if err != nil {
			return fmt.Errorf("read sqlite: attribute %q of %s %d: %v: %w", key, ownerCol, owner, err, ErrFormat)
		}
		m[key] = v
	}
	return nil
}

func readTrials(tab map[string][]map[string]sqlValue) (map[int64]*Trial, map[int64]int64, error) {
	trials := map[int64]*Trial{}
	owner := map[int64]int64{}
	for _, row := range tab["trials"] {
		id, _ := row["trial_id"].(int64)
		num, _ := row["number"].(int64)
		sid, _ := row["study_id"].(int64)
		name, _ := row["state"].(string)
		st, ok := stateByName[name]
		if !ok {
			return nil, nil, fmt.Errorf("read sqlite: trial %d: state %q: %w", id, name, ErrFormat)
		}
		t := &Trial{Number: int(num), State: st, Params: map[string]float64{}, Distributions: map[string]Distribution{},
			IntermediateValues: map[int]float64{}, UserAttrs: map[string]any{}, SystemAttrs: map[string]any{}}
		var err error
		if t.Start, err = sqlTime(row["datetime_start"]); err != nil {
			return nil, nil, fmt.Errorf("read sqlite: trial %d start: %w", id, err)
		}
		if t.Complete, err = sqlTime(row["datetime_complete"]); err != nil {
			return nil, nil, fmt.Errorf("read sqlite: trial %d completion: %w", id, err)
		}
		trials[id], owner[id] = t, sid
	}
	get := func(id int64) *Trial { return trials[id] }
	if err := readAttrs(tab["trial_user_attributes"], "trial_id", func(id int64) map[string]any {
		if t := get(id); t != nil {
			return t.UserAttrs
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	if err := readAttrs(tab["trial_system_attributes"], "trial_id", func(id int64) map[string]any {
		if t := get(id); t != nil {
			return t.SystemAttrs
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	for _, row := range tab["trial_params"] {
		id, _ := row["trial_id"].(int64)
		t := get(id)
		if t == nil {
			continue
		}
		name, ok1 := row["param_name"].(string)
		text, ok2 := row["distribution_json"].(string)
		v, ok3 := sqlFloat(row["param_value"])
		if !ok1 || !ok2 || !ok3 {
			return nil, nil, fmt.Errorf("read sqlite: trial %d: a parameter row lacks its name, value or distribution: %w", id, ErrFormat)
		}
		d, err := parseDistribution(text)
		if err != nil {
			return nil, nil, fmt.Errorf("read sqlite: trial %d parameter %q: %w", id, name, err)
		}
		t.Params[name], t.Distributions[name] = v, d
	}
	values := map[int64]map[int64]float64{}
	for _, row := range tab["trial_values"] {
		id, _ := row["trial_id"].(int64)
		obj, _ := row["objective"].(int64)
		v, err := loadValue(row["value"], row["value_type"])
		if err != nil || obj < 0 || obj > 1000 {
			return nil, nil, fmt.Errorf("read sqlite: trial %d objective %d: %v: %w", id, obj, err, ErrFormat)
		}
		if values[id] == nil {
			values[id] = map[int64]float64{}
		}
		values[id][obj] = v
	}
	for id, vs := range values {
		t := get(id)
		if t == nil {
			continue
		}
		for obj := int64(0); obj < int64(len(vs)); obj++ {
			v, ok := vs[obj]
			if !ok {
				return nil, nil, fmt.Errorf("read sqlite: trial %d lacks objective %d: %w", id, obj, ErrFormat)
			}
			t.Values = append(t.Values, v)
		}
	}
	for _, row := range tab["trial_intermediate_values"] {
		id, _ := row["trial_id"].(int64)
		step, _ := row["step"].(int64)
		v, err := loadValue(row["intermediate_value"], row["intermediate_value_type"])
		if err != nil {
			return nil, nil, fmt.Errorf("read sqlite: trial %d step %d: %v: %w", id, step, err, ErrFormat)
		}
		if t := get(id); t != nil {
			t.IntermediateValues[int(step)] = v
		}
	}
	for _, t := range trials {
		if was, ok := t.SystemAttrs[NaNValueAttr].(string); ok && t.State == StateFail && len(t.Values) == 0 {
			if st, ok := stateByName[was]; ok {
				delete(t.SystemAttrs, NaNValueAttr)
				t.State, t.Values = st, []float64{math.NaN()}
			}
		}
	}
	return trials, owner, nil
}

func sqlFloat(v sqlValue) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func loadValue(v, typ sqlValue) (float64, error) {
	name, _ := typ.(string)
	switch name {
	case "INF_POS":
		return math.Inf(1), nil
	case "INF_NEG":
		return math.Inf(-1), nil
	case "NAN":
		return math.NaN(), nil
	case "FINITE":
		if f, ok := sqlFloat(v); ok {
			return f, nil
		}
		return 0, fmt.Errorf("a finite value that is not a number")
	}
	return 0, fmt.Errorf("value type %q", name)
}

func sqlTime(v sqlValue) (time.Time, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, nil
	case string:
		return parseTime(x)
	}
	return time.Time{}, fmt.Errorf("time %v is not text: %w", v, ErrFormat)
}
