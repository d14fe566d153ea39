// The sales manager's view: open pipeline, weighted forecast by month, won this month and
// quarter, win rate, average won deal, age by stage. Computed over the deals the board holds; a
// note says when the board's filters apply (they travel in the URL) and clears them.
import '@mantine/charts/styles.css';
import { useMemo } from 'react';
import { Alert, Button, Group, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { IconFilter } from '@tabler/icons-react';
import type { Deal } from 'crm-wasm';
import { usePhone } from '../../lib/layout';
import { PageHeader } from '../../components/PageHeader';
import { useSession } from '../../data/context';
import { useMySettings } from '../../data/settings';
import { usePipeline } from '../../data/hooks';
import { currencyCode, fitMoney, formatAge, formatMoney, formatMoneyCompact, formatMonth, formatPercent, plural } from '../../lib/format';
import { useApplyFilters, useBoardFilters } from '../board/filters';
import { computeStats } from './stats';

export function Dashboard() {
  const { user, workspace } = useSession();
  const { pipeline } = workspace;
  const version = usePipeline(pipeline);
  const { filters, active, clear } = useBoardFilters();
  useApplyFilters(pipeline, filters, user.objectId);
  const { probabilities } = useMySettings().settings;
  // On a phone the months run down the side, one bar each, so their labels and the bars' values
  // never overlap (side by side they did past a few months).
  const phone = usePhone();
  const stats = useMemo(() => {
    const deals: Deal[] = [];
    for (const c of pipeline.columns()) deals.push(...pipeline.page(c.stage, 0, c.count));
    return computeStats(deals, new Date(), probabilities);
    // version: recompute on every change of the pipeline.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pipeline, version, probabilities]);
  const chart = stats.forecastByMonth.map((m) => ({ month: formatMonth(m.month), Weighted: Math.round(m.weighted) }));
  return (
    <div className="page">
      <PageHeader title="Dashboard" subtitle="Open pipeline and forecast from your deals" />
      {active.length > 0 && (
        <Alert color="indigo" variant="light" icon={<IconFilter size={18} />} mb="md" data-testid="filter-note">
          <Group justify="space-between" gap="xs">
            <span>These figures count only deals {active.join(' · ')} (the board’s filters).</span>
            <Button size="compact-sm" variant="light" onClick={clear}>Show all deals</Button>
          </Group>
        </Alert>
      )}
      {/* Six in a row from 88em only: at 75em, beside the navigation, a tile is 122 px, too narrow for $99,999,999. */}
      <SimpleGrid cols={{ base: 2, md: 3, xl: 6 }} spacing="sm" mb="md">
        <Tile label="Open pipeline" {...money(stats.openTotal)} id="stat-open" hint={plural(stats.openCount, 'open deal', 'open deals')} />
        <Tile label="Weighted forecast" {...money(stats.weighted)} id="stat-weighted" hint="open deals × your stage probabilities" />
        <Tile label="Won this month" {...money(stats.wonThisMonth)} id="stat-won-month" hint="by close date" />
        <Tile label="Won this quarter" {...money(stats.wonThisQuarter)} id="stat-won-quarter" hint="by close date" />
        <Tile label="Win rate" value={formatPercent(stats.winRate)} id="stat-winrate" hint="won ÷ (won + lost)" />
        <Tile label="Average won deal" {...money(stats.averageWon)} id="stat-average-won" hint="won deals only" />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb={4}>Weighted forecast by month of expected close</Title>
          <Text size="xs" c="dimmed" mb="sm">Open deals only{stats.undatedWeighted > 0 ? `; ${formatMoney(stats.undatedWeighted)} more has no close date` : ''}.</Text>
          {chart.length === 0 ? (
            <Text size="sm" c="dimmed">No open deals with a close date.</Text>
          ) : (
            <div role="img" aria-label={`Forecast chart: ${stats.forecastByMonth.map((m) => `${formatMonth(m.month)} ${formatMoney(m.weighted)}`).join(', ')}`}>
              <BarChart
                h={phone ? 40 + 32 * chart.length : 260}
                data={chart}
                dataKey="month"
                orientation={phone ? 'vertical' : 'horizontal'}
                series={[{ name: 'Weighted', color: 'indigo.6', label: 'Weighted forecast' }]}
                valueFormatter={(v) => formatMoneyCompact(v)}
                withBarValueLabel
                withTooltip={false}
                xAxisLabel={phone ? currencyCode() : 'Month of expected close'}
                yAxisLabel={phone ? undefined : currencyCode()}
                // Lines across the values: recharts' "x" grid is horizontal lines.
                gridAxis={phone ? 'y' : 'x'}
                yAxisProps={phone ? { width: 84 } : undefined}
                // Every month named (recharts leaves out labels that would touch), slanted to fit:
                // the tick replaced whole, as the chart's own moves it with a transform.
                xAxisProps={phone ? undefined : { interval: 0, height: 64, tick: { fontSize: 12, fill: 'currentColor', angle: -35, textAnchor: 'end', dy: 4 } }}
              />
            </div>
          )}
        </Paper>
        <Paper withBorder p="md">
          <Title order={2} size="h5" mb={4}>Average age by stage</Title>
          <Text size="xs" c="dimmed" mb="sm">Time since each deal was created; for won and lost deals, the time they took to close (left out when the close date is before the deal was created).</Text>
          <Table verticalSpacing={6} data-testid="age-by-stage">
            <Table.Thead><Table.Tr><Table.Th>Stage</Table.Th><Table.Th ta="right">Deals</Table.Th><Table.Th ta="right">Average age</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {stats.ageByStage.map((a) => (
                <Table.Tr key={a.stage}>
                  <Table.Td>{a.label}</Table.Td>
                  <Table.Td ta="right">{a.count}</Table.Td>
                  <Table.Td ta="right" data-testid={`age-${a.stage}`}>{formatAge(a.days)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </SimpleGrid>
    </div>
  );
}

/** A tile's amount: in compact notation when the exact one would not fit (see fitMoney): eleven
 * characters fit a tile on a 390 px phone and on the six-column row. */
const money = (n: number | undefined) => ({ value: fitMoney(n, formatMoney(n), 11), exact: formatMoney(n) });

/** A figure; `exact`, when it is not `value` itself, in its title. */
function Tile({ label, value, exact = value, hint, id }: { label: string; value: string; exact?: string; hint: string; id: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>{label}</Text>
      <Text fw={700} size="xl" data-testid={id} className="long-text" title={exact !== value ? exact : undefined}>{value}</Text>
      <Text size="xs" c="dimmed">{hint}</Text>
    </Paper>
  );
}
