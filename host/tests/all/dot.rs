//! A parser for the Graphviz DOT language (the grammar of
//! <https://graphviz.org/doc/info/lang.html> without subgraphs, ports and
//! HTML labels, which the host never writes), so the tests check
//! `sessions tree --format dot` by structure without Graphviz installed.

use std::collections::BTreeMap;

/// Attributes of a node or an edge, in the order written.
pub(crate) type Attrs = Vec<(String, String)>;

/// A parsed `digraph`.
#[derive(Debug, Default)]
pub(crate) struct Digraph {
    pub(crate) name: Option<String>,
    pub(crate) nodes: BTreeMap<String, Attrs>,
    pub(crate) edges: Vec<(String, String, Attrs)>,
}

impl Digraph {
    /// The value of `key` on node `id`.
    pub(crate) fn node_attr(&self, id: &str, key: &str) -> Option<&str> {
        attr(self.nodes.get(id)?, key)
    }
}

/// The value of `key` in `attrs`.
pub(crate) fn attr<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Id(String),
    Punct(&'static str),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '{' | '}' | '[' | ']' | ';' | ',' | '=' => {
                chars.next();
                out.push(Token::Punct(match c {
                    '{' => "{",
                    '}' => "}",
                    '[' => "[",
                    ']' => "]",
                    ';' => ";",
                    ',' => ",",
                    _ => "=",
                }));
            }
            '-' if text[at..].starts_with("->") => {
                chars.next();
                chars.next();
                out.push(Token::Punct("->"));
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated string at byte {at}")),
                        Some((_, '"')) => break,
                        // DOT keeps escapes other than \" for the renderer
                        // (\n, \l, \\); only \" ends no string.
                        Some((_, '\\')) => match chars.next() {
                            Some((_, '"')) => value.push('"'),
                            Some((_, other)) => {
                                value.push('\\');
                                value.push(other);
                            }
                            None => return Err(format!("unterminated string at byte {at}")),
                        },
                        Some((_, other)) => value.push(other),
                    }
                }
                out.push(Token::Id(value));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' => {
                let mut value = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if !(c.is_alphanumeric() || c == '_' || c == '.') {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                if value.is_empty() {
                    return Err(format!("stray '-' at byte {at}"));
                }
                out.push(Token::Id(value));
            }
            other => return Err(format!("unexpected {other:?} at byte {at}")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Result<Token, String> {
        let token = self.peek().cloned().ok_or("unexpected end of input")?;
        self.at += 1;
        Ok(token)
    }
    fn eat(&mut self, punct: &'static str) -> bool {
        let hit = self.peek() == Some(&Token::Punct(punct));
        self.at += usize::from(hit);
        hit
    }
    fn expect(&mut self, punct: &'static str) -> Result<(), String> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(format!("expected '{punct}', found {:?}", self.peek()))
        }
    }
    fn id(&mut self) -> Result<String, String> {
        match self.next()? {
            Token::Id(id) => Ok(id),
            other => Err(format!("expected an ID, found {other:?}")),
        }
    }
    /// `[a=b, c=d; …] […]`, possibly absent.
    fn attr_lists(&mut self) -> Result<Attrs, String> {
        let mut attrs = Attrs::new();
        while self.eat("[") {
            while !self.eat("]") {
                let key = self.id()?;
                self.expect("=")?;
                attrs.push((key, self.id()?));
                let _ = self.eat(",") || self.eat(";");
            }
        }
        Ok(attrs)
    }
}

/// Parses a `digraph`; refuses anything that is not well-formed DOT or
/// that draws an edge to a node it never declared.
pub(crate) fn parse_digraph(text: &str) -> Result<Digraph, String> {
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
    };
    if !p.id()?.eq_ignore_ascii_case("digraph") {
        return Err("not a digraph".into());
    }
    let mut graph = Digraph::default();
    if let Some(Token::Id(_)) = p.peek() {
        graph.name = Some(p.id()?);
    }
    p.expect("{")?;
    while !p.eat("}") {
        let first = p.id()?;
        match first.as_str() {
            "node" | "edge" | "graph" => {
                p.attr_lists()?;
            }
            _ if p.eat("=") => {
                p.id()?;
            }
            _ if p.peek() == Some(&Token::Punct("->")) => {
                let mut chain = vec![first];
                while p.eat("->") {
                    chain.push(p.id()?);
                }
                let attrs = p.attr_lists()?;
                for pair in chain.windows(2) {
                    graph
                        .edges
                        .push((pair[0].clone(), pair[1].clone(), attrs.clone()));
                }
            }
            _ => {
                let attrs = p.attr_lists()?;
                graph.nodes.entry(first).or_default().extend(attrs);
            }
        }
        let _ = p.eat(";");
    }
    if let Some(extra) = p.peek() {
        return Err(format!("text after the graph: {extra:?}"));
    }
    for (from, to, _) in &graph.edges {
        for end in [from, to] {
            if !graph.nodes.contains_key(end) {
                return Err(format!("edge {from} -> {to} names undeclared node {end}"));
            }
        }
    }
    Ok(graph)
}

#[test]
fn the_parser_refuses_what_graphviz_would() {
    for bad in [
        "digraph { \"a\" [label=\"x] }",
        "digraph { a -> }",
        "digraph { a [label=x }",
        "graph { a }",
        "digraph { a } b",
        "digraph { a; a -> b; }",
    ] {
        assert!(parse_digraph(bad).is_err(), "accepted {bad}");
    }
    let good = parse_digraph(
        "digraph g { rankdir=TB; node [shape=box]; \"a\" [label=\"A \\\"q\\\"\\n\"]; b; a -> b [style=dashed, color=red]; }",
    )
    .unwrap();
    assert_eq!(good.name.as_deref(), Some("g"));
    assert_eq!(good.node_attr("a", "label"), Some("A \"q\"\\n"));
    assert_eq!(good.edges.len(), 1);
    assert_eq!(attr(&good.edges[0].2, "color"), Some("red"));
}
