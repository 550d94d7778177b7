//! A SARIF result's `relatedLocations`: the other places of the same credential, so that a
//! viewer can go from one place of a leaked value to the others.

use super::{
    artifact_location, short_id, ArtifactLocation, ResultProperties, SarifResult, Text,
    MAX_RELATED_LOCATIONS,
};
use crate::finding::{Credential, Finding};
use serde::Serialize;

/// Another place of the same credential.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RelatedLocation {
    id: usize,
    physical_location: RelatedPhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedPhysicalLocation {
    artifact_location: ArtifactLocation,
    region: RelatedRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedRegion {
    start_line: usize,
    start_column: usize,
    end_column: usize,
}

/// Lists the credential's other places (at most [`MAX_RELATED_LOCATIONS`]) in `result`, and
/// counts them all in its properties.
pub(super) fn relate(result: &mut SarifResult<'_>, finding: &Finding, credential: &Credential<'_>) {
    let others: Vec<&Finding> = credential
        .occurrences
        .iter()
        .copied()
        .filter(|other| !std::ptr::eq(*other, finding))
        .collect();
    if others.is_empty() {
        return;
    }
    result.related_locations = others
        .iter()
        .take(MAX_RELATED_LOCATIONS)
        .enumerate()
        .map(|(id, other)| related_location(id, other))
        .collect();
    let properties = result.properties.get_or_insert(ResultProperties {
        history: None,
        verification: None,
        decoded: None,
        other_occurrences: None,
    });
    properties.other_occurrences = Some(others.len());
}

fn related_location(id: usize, other: &Finding) -> RelatedLocation {
    let text = match other.commit() {
        Some(commit) if other.is_commit_message() => format!(
            "The same credential, in the message of commit {}.",
            short_id(&commit.id)
        ),
        Some(commit) => format!(
            "The same credential, in commit {} ({}).",
            short_id(&commit.id),
            crate::finding::rfc3339_utc(commit.time)
        ),
        None => "The same credential, here too.".to_string(),
    };
    RelatedLocation {
        id,
        physical_location: RelatedPhysicalLocation {
            artifact_location: artifact_location(other),
            region: RelatedRegion {
                start_line: other.location.line,
                start_column: other.location.column,
                end_column: other.end_column.max(other.location.column + 1),
            },
        },
        message: Text { text },
    }
}
