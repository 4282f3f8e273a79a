import Box from '@mui/material/Box';
import ButtonBase from '@mui/material/ButtonBase';
import { useState, type ReactNode } from 'react';

export interface TreeNode {
  id: string;
  label: ReactNode;
  children?: TreeNode[];
  /** content shown under the label when open (process data, measurements…) */
  body?: ReactNode;
  open?: boolean;
  testId?: string;
}

function Node({ node, depth }: { node: TreeNode; depth: number }) {
  const expandable = !!(node.children?.length || node.body);
  const [open, setOpen] = useState(node.open ?? depth < 2);
  return (
    <Box component="li" role="treeitem" aria-expanded={expandable ? open : undefined} data-testid={node.testId} data-node={node.id} sx={{ listStyle: 'none' }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 0.5, py: 0.25 }}>
        {expandable ? (
          <ButtonBase
            onClick={() => setOpen(!open)}
            aria-label={open ? 'collapse' : 'expand'}
            sx={{ width: 20, height: 20, mt: '2px', flexShrink: 0, borderRadius: 1, fontSize: 12, color: 'text.secondary' }}
          >
            {open ? '▾' : '▸'}
          </ButtonBase>
        ) : (
          <Box sx={{ width: 20, flexShrink: 0 }} />
        )}
        <Box sx={{ flexGrow: 1, minWidth: 0 }}>{node.label}</Box>
      </Box>
      {expandable && open && (
        <Box sx={{ ml: '9px', pl: 2, borderLeft: 1, borderColor: 'divider' }}>
          {node.body && <Box sx={{ py: 0.5 }}>{node.body}</Box>}
          {node.children?.length ? (
            <Box component="ul" role="group" sx={{ m: 0, p: 0 }}>
              {node.children.map((c) => (
                <Node key={c.id} node={c} depth={depth + 1} />
              ))}
            </Box>
          ) : null}
        </Box>
      )}
    </Box>
  );
}

/** A genealogy tree: each node can be opened and closed; the first levels start open. */
export function Tree({ roots, testId }: { roots: TreeNode[]; testId?: string }) {
  return (
    <Box component="ul" role="tree" data-testid={testId} sx={{ m: 0, p: 0 }}>
      {roots.map((n) => (
        <Node key={n.id} node={n} depth={0} />
      ))}
    </Box>
  );
}
