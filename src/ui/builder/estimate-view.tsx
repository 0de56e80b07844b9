// What the experiment in the builder will cost: per (model, D) its parameters, runs, tokens and
// compute at most, the wall time from this adapter's cost model (./time-estimate.tsx), and the
// adapter's refusals.
import type { ExperimentConfig } from '../../experiment/schema';
import type { ExperimentEstimate } from '../../experiment/estimate';
import type { ValidationIssue } from '../../experiment/validate';
import { hostsNeedingConfirmation } from '../../experiment/data-source';
import { fmtFlops, fmtSeconds } from '../format';
import { formatCount } from '../../util/format';
import { TimeEstimate, type TimeEstimateProps } from './time-estimate';

/**
 * One line: runs, tokens and compute at most, and the predicted wall time on this adapter when its
 * cost model is known (shown beside Start as well).
 */
export function estimateLine(estimate: ExperimentEstimate, wallSeconds: number | null): string {
  const wall = wallSeconds === null ? '' : `; about ${fmtSeconds(wallSeconds)} on this adapter`;
  return `${estimate.runs} runs, at most ${formatCount(estimate.maxTokens)} tokens and ${fmtFlops(estimate.maxFlops)}${wall}`;
}

export interface EstimateViewProps {
  estimate: ExperimentEstimate | null;
  issues: ValidationIssue[];
  warnings: string[];
  config: ExperimentConfig;
  time: TimeEstimateProps;
}

export function EstimateView({ estimate, issues, warnings, config, time }: EstimateViewProps) {
  const hosts = hostsNeedingConfirmation(config.data);
  return (
    <div className="estimate" data-testid="estimate" aria-live="polite">
      {issues.length > 0 ? (
        <p className="estimate-invalid" data-testid="config-invalid">
          Fix {issues.length} problem{issues.length === 1 ? '' : 's'} above to see the estimate.
        </p>
      ) : estimate ? (
        <>
          <div className="table-scroll">
            <table className="estimate-table">
              <thead>
                <tr>
                  <th scope="col">model</th>
                  <th scope="col">D (tokens)</th>
                  <th scope="col">non-embedding params</th>
                  <th scope="col">all params</th>
                  <th scope="col">runs</th>
                  <th scope="col">tokens (at most)</th>
                  <th scope="col">compute (at most)</th>
                </tr>
              </thead>
              <tbody>
                {estimate.measurements.map((m, i) => (
                  <tr key={i}>
                    <td>{m.model}</td>
                    <td>{formatCount(m.dataSize)}</td>
                    <td>{formatCount(m.nonEmbeddingParams)}</td>
                    <td>{formatCount(m.totalParams)}</td>
                    <td>{m.runs}</td>
                    <td>{formatCount(m.maxTokens)}</td>
                    <td>{fmtFlops(m.maxFlops)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            {estimate.runs} runs, at most {formatCount(estimate.maxTokens)} tokens and {fmtFlops(estimate.maxFlops)} if every run went to its cap.
          </p>
          <TimeEstimate {...time} />
          {estimate.adapterErrors.map((e, i) => (
            <p key={i} className="estimate-refused" role="alert">
              {e}
            </p>
          ))}
        </>
      ) : null}
      {warnings.map((w, i) => (
        <p key={i} className="warn">
          {w}
        </p>
      ))}
      {hosts.length > 0 && (
        <p className="warn" data-testid="remote-hosts">
          This experiment reads data from {hosts.join(', ')}: you will be asked before anything is fetched.
        </p>
      )}
    </div>
  );
}
