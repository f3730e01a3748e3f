package load

import (
	"fmt"
)

// meters read the CPU around the measured window: the server's processes
// (when given), the load tool's own and the whole machine's.
type meters struct {
	root   string
	server *cpuWatch
	self   cpuWatch

	serverBefore, serverAfter cpuSample
	serverErr                 error
	selfBefore, selfAfter     cpuSample
	selfOK                    bool
	busyBefore, busyAfter     uint64
	busyOK                    bool
}

// start takes the first readings. Only the server's may fail the run:
// the others are context.
func (m *meters) start() error {
	if m.server != nil {
		var err error
		if m.serverBefore, err = m.server.sample(); err != nil {
			return fmt.Errorf("server CPU: %v", err)
		}
	}
	var selfErr, busyErr error
	m.selfBefore, selfErr = m.self.sample()
	m.busyBefore, busyErr = busyTicks(m.root)
	m.selfOK, m.busyOK = selfErr == nil, busyErr == nil
	return nil
}

// stop takes the second readings, right when the window ends, before
// anything else happens in the server or here.
func (m *meters) stop() {
	if m.server != nil {
		m.serverAfter, m.serverErr = m.server.sample()
	}
	var selfErr, busyErr error
	m.selfAfter, selfErr = m.self.sample()
	m.busyAfter, busyErr = busyTicks(m.root)
	m.selfOK = m.selfOK && selfErr == nil
	m.busyOK = m.busyOK && busyErr == nil
}

// fill adds the CPU figures to the report.
func (m *meters) fill(r *Report) {
	if m.server != nil {
		if m.serverErr != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("server CPU not measured: at the end, %v", m.serverErr))
		} else {
			var enough bool
			r.ServerCPU, enough = cpuFigure(*m.server, m.serverBefore, m.serverAfter, r.Calls, r.ElapsedSeconds, m.root)
			if !enough {
				r.Warnings = append(r.Warnings, fmt.Sprintf("server CPU is counted in %d ms ticks and this run used %.2fs: too little to trust; measure for longer",
					1000/ticksPerSecond, r.ServerCPU.Seconds))
			}
		}
	}
	// The load tool's own CPU is context, not the measurement: left out
	// rather than warned about when the run was too short to count it.
	var selfSeconds float64
	if m.selfOK {
		c, enough := cpuFigure(m.self, m.selfBefore, m.selfAfter, r.Calls, r.ElapsedSeconds, m.root)
		selfSeconds = c.Seconds
		if enough {
			r.ClientCPU = c
		}
	}
	if m.busyOK && r.ElapsedSeconds > 0 {
		r.MachineCPU = machineFigure(m.busyAfter-m.busyBefore, r.ElapsedSeconds, r.ServerCPU, selfSeconds)
	}
}
