//! Price-and-branch: the integer configuration model restricted to the columns that column
//! generation found for the LP bound, solved with microlp's branch and bound. Its cost is a
//! feasible packing, so an *upper* bound on the optimum: with the LP bound below it, it
//! brackets how much of rnd's gap is the packer's. `ip_check TASKS SEED` (CPU-skewed fleets;
//! 100 tasks take seconds, 400 tasks too long for routine use).
use good_lp::{constraint, default_solver, variable, variables, Expression, Solution, SolverModel};
use rnd_benches::bound::lower_bound_columns;
use rnd_benches::capacity::capacities;
use rnd_benches::fleets::{fleet, Kind};
use rnd_core::placement::AllowList;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tasks = args[1].parse().unwrap();
    let seed = args[2].parse().unwrap();
    let services = fleet(Kind::CpuSkewed, tasks, seed);
    let caps = capacities(&AllowList::all());
    let (lb, _, cols) = lower_bound_columns(&services, &caps);
    let classes: Vec<_> = services.iter().filter(|s| s.gpus > 0 && s.replicas > 0).collect();
    let mut vars = variables!();
    let x: Vec<_> = cols
        .iter()
        .map(|_| {
            // LP=1: the relaxation's primal (how the bound mixes types) instead of the IP.
            if std::env::var("LP").is_ok() {
                vars.add(variable().min(0))
            } else {
                vars.add(variable().integer().min(0))
            }
        })
        .collect();
    let obj: Expression = cols.iter().zip(&x).map(|((p, _), &v)| *p * v).sum();
    let mut m = vars.minimise(obj.clone()).using(default_solver);
    for (i, s) in classes.iter().enumerate() {
        let lhs: Expression = cols
            .iter()
            .zip(&x)
            .filter_map(|((_, t), &v)| t.iter().find(|(j, _)| *j == i).map(|(_, n)| f64::from(*n) * v))
            .sum();
        m = m.with(constraint!(lhs >= f64::from(s.replicas)));
    }
    let sol = m.solve().unwrap();
    let v = sol.eval(&obj);
    let mut by: std::collections::BTreeMap<String, (f64, f64, f64)> = Default::default();
    for ((p, t), &xv) in cols.iter().zip(&x) {
        let n = if std::env::var("LP").is_ok() {
            sol.value(xv)
        } else {
            sol.value(xv).round()
        };
        if n > 1e-6 {
            let name = caps.iter().find(|c| c.price == *p).unwrap().name.clone();
            let e = by.entry(name).or_default();
            e.0 += n;
            e.1 += f64::from(t.iter().map(|(i, k)| k * classes[*i].cpu_units).sum::<u32>()) * n;
            e.2 += f64::from(t.iter().map(|(i, k)| k * classes[*i].gpus).sum::<u32>()) * n;
        }
    }
    for (k, (n, c, g)) in by {
        let cap = caps.iter().find(|c| c.name == k).unwrap();
        println!(
            "{k:<16} x{n:<8.3} gpu {:.2} cpu {:.2}",
            g / n / f64::from(cap.gpus),
            c / n / f64::from(cap.cpu)
        );
    }
    println!("lb {lb:.3} ip {v:.3} ratio {:.4} cols {}", v / lb, cols.len());
}
