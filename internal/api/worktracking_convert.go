package api

import (
	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// ToAPIWorkLog converts a work log, adding whether its timer runs.
func ToAPIWorkLog(w *ent.WorkLog) *oas.WorkLogInfo {
	out := apiconv.WorkLogInfo(w)
	out.Running = w.EndedAt == nil
	return out
}

// ToAPIAppUsage converts an application-usage record.
func ToAPIAppUsage(a *ent.AppUsage) *oas.AppUsageInfo { return apiconv.AppUsageInfo(a) }

// ToAPIIdlePeriod converts an idle period.
func ToAPIIdlePeriod(p *ent.IdlePeriod) *oas.IdlePeriodInfo { return apiconv.IdlePeriodInfo(p) }

// ToAPIIngestResult converts a batch's counts.
func ToAPIIngestResult(r worktracking.IngestResult) *oas.IngestResult {
	out := &oas.IngestResult{Received: r.Received, Inserted: r.Inserted, Duplicates: r.Duplicates,
		Rejected: r.Rejected, Errors: make([]oas.IngestRecordError, 0, len(r.Errors))}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, oas.IngestRecordError{Index: e.Index, ClientRecordID: e.ClientRecordID, Message: e.Message})
	}
	return out
}

// ToAPIProductivitySummary converts a rollup row, its counters as totals.
func ToAPIProductivitySummary(s *ent.ProductivitySummary) *oas.ProductivitySummaryInfo {
	out := apiconv.ProductivitySummaryInfo(s)
	out.Totals = toAPITotals(worktracking.SummaryTotals(s))
	return out
}

// ToAPIMemberProductivity converts a member's totals (manager view).
func ToAPIMemberProductivity(m worktracking.MemberTotals) oas.MemberProductivity {
	return oas.MemberProductivity{UserID: m.UserID, Periods: m.Periods, Totals: toAPITotals(m.Totals)}
}

func toAPITotals(t worktracking.Totals) oas.ProductivityTotals {
	c := t.Categories
	return oas.ProductivityTotals{
		ActiveSeconds: t.Active, IdleSeconds: t.Idle,
		ProductiveSeconds: c["productive"], NeutralSeconds: c["neutral"], DistractingSeconds: c["distracting"],
		CategorySeconds: oas.CategorySeconds{Productive: c["productive"], Neutral: c["neutral"],
			Distracting: c["distracting"], Uncategorized: c["uncategorized"]},
		TasksCompleted: t.TasksCompleted, TimeLoggedSeconds: t.TimeLogged,
	}
}
